// Runs real Envoy as a child process: writes its bootstrap to a private folder, starts it with
// the admin address written to a file (so the admin port can be 0), waits until the admin
// interface answers, keeps its log for tests and diagnostics, and stops it (SIGTERM, then
// SIGKILL). Used by `attache dev --data-plane envoy` and by every test that puts Envoy in the loop.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { locate } from "../../scripts/tools/registry.ts";
import { envoy as envoyTool } from "../../scripts/tools/envoy.ts";
import type { BootstrapJson } from "../../protos/gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";

export interface EnvoyProcessOptions {
  /** The Envoy bootstrap (bootstrap.proto as proto3 JSON); its admin address is used as given. */
  bootstrap: BootstrapJson;
  /** Envoy executable; default from findEnvoy(). */
  binary?: string;
  /** Worker threads (--concurrency). Default 1. */
  concurrency?: number;
  logLevel?: "trace" | "debug" | "info" | "warning" | "error";
  /** Per-component levels, e.g. "wasm:debug,config:debug" (--component-log-level). */
  componentLogLevel?: string;
  /** Called for every log line as it arrives. */
  onLine?: (line: string) => void;
  /** How long to wait for the admin interface. Default 20 s. */
  startTimeoutMs?: number;
}

/** Where Envoy is: ENVOY_PATH, the project's tool folder (`npm run tools`), or `envoy` on PATH. */
export function findEnvoy(): string | undefined {
  if (process.env.ENVOY_PATH) return process.env.ENVOY_PATH;
  const installed = locate(envoyTool);
  if (installed) return installed;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "envoy");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export class EnvoyProcess {
  /** Every log line so far (Envoy's own format). */
  readonly lines: string[] = [];
  private address = "";

  private constructor(private readonly child: ChildProcess, private readonly scratch: string, onLine?: (line: string) => void) {
    let partial = "";
    const collect = (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        onLine?.(line);
      }
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    // Envoy must not outlive us: an exiting Node process (normal exit or an uncaught error)
    // takes it down too.
    const orphaned = () => child.kill("SIGKILL");
    process.once("exit", orphaned);
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => {
      process.off("exit", orphaned);
      resolve({ code, signal });
    }));
  }

  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** http://host:port of the admin interface. */
  get adminUrl(): string {
    return `http://${this.address}`;
  }

  static async start(options: EnvoyProcessOptions): Promise<EnvoyProcess> {
    const binary = options.binary ?? findEnvoy();
    if (!binary) throw new Error("envoy: not found; run `npm run tools`, or set ENVOY_PATH");
    const scratch = mkdtempSync(join(tmpdir(), "attache-envoy-"));
    const config = join(scratch, "bootstrap.json");
    const addressFile = join(scratch, "admin-address");
    writeFileSync(config, JSON.stringify(options.bootstrap));
    const args = ["-c", config, "--admin-address-path", addressFile, "--use-dynamic-base-id",
      "--concurrency", String(options.concurrency ?? 1), "--log-level", options.logLevel ?? "info",
      // Our own drain is immediate: tests and `attache dev` stop the process as a whole.
      "--drain-time-s", "0", "--parent-shutdown-time-s", "1"];
    if (options.componentLogLevel) args.push("--component-log-level", options.componentLogLevel);
    const proc = new EnvoyProcess(spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] }), scratch, options.onLine);
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    try {
      for (;;) {
        if (!proc.running) throw new Error(`envoy exited (${proc.child.exitCode ?? proc.child.signalCode}) during start:\n${proc.lines.slice(-20).join("\n")}`);
        proc.address = existsSync(addressFile) ? readFileSync(addressFile, "utf8").trim() : "";
        if (proc.address && (await fetch(`${proc.adminUrl}/ready`).then(() => true, () => false))) return proc;
        if (Date.now() > deadline) throw new Error(`envoy did not answer on its admin port in time:\n${proc.lines.slice(-20).join("\n")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } catch (err) {
      await proc.stop();
      throw err;
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** GET an admin path, e.g. "/config_dump" or "/stats?filter=..."; returns the body. */
  async admin(path: string, init?: RequestInit): Promise<string> {
    const res = await fetch(this.adminUrl + path, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`envoy admin ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text;
  }

  /** One counter or gauge from /stats (undefined if Envoy has not created it). */
  async stat(name: string): Promise<number | undefined> {
    const text = await this.admin(`/stats?filter=${encodeURIComponent(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)}`);
    const m = /: (\d+)\s*$/.exec(text.trim());
    return m ? Number(m[1]) : undefined;
  }

  /** Log lines at warning level or above (Envoy's "[warning]", "[error]", "[critical]"). */
  problems(): string[] {
    return this.lines.filter((line) => /\]\[(warning|error|critical)\]\[/.test(line));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (this.running) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
