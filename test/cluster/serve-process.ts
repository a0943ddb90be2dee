// `attache serve` as its own process (the CLI users run), against a ControlPlane: free ports
// for xDS, admin, modules and Envoy's listeners; ready once it logs that it serves; its JSON
// log kept for assertions. Stopped with SIGTERM (releases the Lease) or killed with SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";
import { freePort } from "./control-plane.ts";

export interface ServeProcessOptions {
  kubeconfig: string;
  identity: string;
  leaseNamespace?: string;
  /** Envoy's listener ports the configuration uses (default: two free ports). */
  listeners?: { http: number; https: number };
  extraArgs?: string[];
}

export class ServeProcess {
  readonly log: Array<Record<string, unknown>> = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly identity: string,
    readonly ports: { xds: number; admin: number; modules: number; http: number; https: number },
  ) {
    let partial = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          this.log.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.log.push({ msg: line });
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => this.log.push({ level: 50, msg: chunk.toString("utf8") }));
  }

  static async start(options: ServeProcessOptions): Promise<ServeProcess> {
    const ports = {
      xds: await freePort(), admin: await freePort(), modules: await freePort(),
      http: options.listeners?.http ?? await freePort(), https: options.listeners?.https ?? await freePort(),
    };
    // One process (tsx as a loader, not its CLI, which would run the program in a child), so
    // SIGKILL kills the control plane itself.
    const args = ["--import", "tsx", join(REPO_ROOT, "controlplane", "cli", "main.ts"), "serve",
      "--kubeconfig", options.kubeconfig, "--identity", options.identity, "--lease-namespace", options.leaseNamespace ?? "attache-system",
      "--xds-address", `127.0.0.1:${ports.xds}`, "--admin-port", String(ports.admin), "--modules-port", String(ports.modules),
      "--module-server-host", "127.0.0.1", "--http-port", String(ports.http), "--https-port", String(ports.https),
      "--log-level", "info", ...(options.extraArgs ?? [])];
    const serve = new ServeProcess(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], cwd: REPO_ROOT }), options.identity, ports);
    const deadline = Date.now() + 90_000;
    while (!serve.logged("attache serve: serving")) {
      if (!serve.running) throw new Error(`attache serve (${options.identity}) exited: ${serve.tail()}`);
      if (Date.now() > deadline) throw new Error(`attache serve (${options.identity}) did not start: ${serve.tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return serve;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logged(message: string): boolean {
    return this.log.some((entry) => entry.msg === message);
  }

  tail(lines = 15): string {
    return this.log.slice(-lines).map((entry) => JSON.stringify(entry)).join("\n");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
