// A real Kubernetes control plane for tests, on loopback: etcd (one member, its data in a
// temporary folder) and kube-apiserver, both built by `npm run tools`. No kubelet, scheduler or
// controller manager: objects are stored, validated, admitted and watched exactly as in a
// cluster, but no Pod ever runs. Serving certificate self-signed per run, one static bearer token in system:masters,
// fresh service-account keys, RBAC authorization. `kubectl` and `helm` run against it through a
// generated kubeconfig.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import selfsigned from "selfsigned";
import { locate } from "../../scripts/tools/registry.ts";
import { installHint, toolNamed } from "../../scripts/tools/tools.ts";

export const CLUSTER_TOOLS = ["etcd", "kube-apiserver", "kubectl", "helm"];

/** An installed tool's executable (no vitest import here: the benchmark uses this file too). */
function toolPath(name: string): string {
  const path = locate(toolNamed(name));
  if (!path) throw new Error(`${name} is not installed: ${installHint([name])}`);
  return path;
}

export interface ControlPlaneOptions {
  /** Extra kube-apiserver flags, e.g. ["--watch-cache=false"]. */
  apiserverArgs?: string[];
  startTimeoutMs?: number;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A child process whose output is kept (last lines shown when it fails). */
class Child {
  readonly output: string[] = [];
  constructor(readonly name: string, readonly process: ChildProcess) {
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    process.stdout?.on("data", keep);
    process.stderr?.on("data", keep);
  }
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }
  tail(lines = 25): string {
    return this.output.slice(-lines).join("\n");
  }
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

const children = new Set<Child>();
// A test run that dies must not leave servers behind.
process.once("exit", () => {
  for (const child of children) if (child.running) child.process.kill("SIGKILL");
});

/**
 * This host's own non-loopback IPv4 address. kube-apiserver refuses loopback addresses in
 * EndpointSlices ("may not be in the loopback range"), so test upstreams listen here; the
 * kernel delivers traffic to a local address without it leaving the host.
 */
export function hostAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("no non-loopback IPv4 address on this host: EndpointSlices cannot point at loopback");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly token = "attache-test-admin-token";
  /** A kubeconfig with the admin token (system:masters). */
  readonly kubeconfigPath: string;
  private apiserver?: Child;

  private constructor(
    private readonly dir: string,
    private readonly etcd: Child,
    /** etcd's client URL (http://127.0.0.1:<port>), which also serves etcd's JSON gateway. */
    readonly etcdUrl: string,
    private readonly apiserverArgs: string[],
    readonly port: number,
    readonly caPem: string,
  ) {
    this.url = `https://127.0.0.1:${port}`;
    this.kubeconfigPath = this.writeKubeconfig("kubeconfig", this.url, this.token);
  }

  /** Writes a kubeconfig (in this run's folder) for `server` with a bearer token; returns its path. */
  writeKubeconfig(name: string, server: string, token: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, [
      "apiVersion: v1", "kind: Config", "current-context: test",
      "clusters:", "- name: test", "  cluster:", `    server: ${server}`, `    certificate-authority-data: ${Buffer.from(this.caPem).toString("base64")}`,
      "users:", "- name: user", "  user:", `    token: ${token}`,
      "contexts:", "- name: test", "  context: {cluster: test, user: user, namespace: default}", "",
    ].join("\n"));
    return path;
  }

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const dir = mkdtempSync(join(tmpdir(), "attache-cluster-"));
    const timeoutMs = options.startTimeoutMs ?? 90_000;
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const pems = await selfsigned.generate([{ name: "commonName", value: "kube-apiserver" }], {
      keyType: "ec", curve: "P-256", notAfterDate: new Date(Date.now() + 7 * 24 * 3600 * 1000),
      extensions: [{ name: "basicConstraints", cA: true }, { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] }],
    });
    writeFileSync(join(dir, "serving.crt"), pems.cert);
    writeFileSync(join(dir, "serving.key"), pems.private);
    const serviceAccount = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(dir, "sa.key"), serviceAccount.privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(join(dir, "sa.pub"), serviceAccount.publicKey.export({ type: "spki", format: "pem" }));

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    // A one-member cluster; its peer port is set only so parallel runs do not collide on 2380.
    // Nothing here must survive a crash, so etcd skips fsync.
    const etcd = launch("etcd", toolPath("etcd"), [
      "--name=test", `--data-dir=${join(dir, "etcd")}`, "--unsafe-no-fsync", "--log-level=warn",
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
    ]);
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1", `--secure-port=${apiPort}`, "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
      `--tls-cert-file=${join(dir, "serving.crt")}`, `--tls-private-key-file=${join(dir, "serving.key")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`, "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${join(dir, "sa.pub")}`, `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/16", "--profiling=false",
      ...(options.apiserverArgs ?? []),
    ];
    const plane = new ControlPlane(dir, etcd, etcdUrl, apiserverArgs, apiPort, pems.cert);
    writeFileSync(join(dir, "tokens.csv"), `${plane.token},attache-test-admin,attache-test-admin,"system:masters"\n`);
    try {
      await waitFor(async () => (await fetch(`${etcdUrl}/readyz`).catch(() => undefined))?.status === 200, timeoutMs,
        () => etcd.running ? undefined : `etcd exited:\n${etcd.tail()}`, "etcd /readyz");
      await plane.startApiserver(timeoutMs);
    } catch (error) {
      await plane.stop();
      throw error;
    }
    return plane;
  }

  /** Starts kube-apiserver and waits until /readyz answers ok. */
  private async startApiserver(timeoutMs: number): Promise<void> {
    const child = launch("kube-apiserver", toolPath("kube-apiserver"), this.apiserverArgs);
    this.apiserver = child;
    await waitFor(async () => (await this.get("/readyz").catch(() => ({ status: 0 }))).status === 200, timeoutMs,
      () => child.running ? undefined : `kube-apiserver exited:\n${child.tail()}`, "kube-apiserver /readyz");
  }

  /** A KubeConfig for @kubernetes/client-node with the admin token. */
  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromFile(this.kubeconfigPath);
    return config;
  }

  /** GET a path with the admin token; the body as text. */
  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.url}${path}`, { ca: this.caPem, headers: { authorization: `Bearer ${this.token}` }, timeout: 10_000 }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.end();
    });
  }

  /** Opens a watch on a collection path from `resourceVersion` and returns its first event. */
  firstWatchEvent(path: string, resourceVersion: string): Promise<{ type: string; object: { code?: number; reason?: string; message?: string } }> {
    return new Promise((resolve, reject) => {
      const url = `${this.url}${path}?watch=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
      const req = request(url, { ca: this.caPem, headers: { authorization: `Bearer ${this.token}` }, timeout: 10_000 }, (res) => {
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          const newline = buffered.indexOf("\n");
          if (newline < 0) return;
          req.destroy();
          resolve(JSON.parse(buffered.slice(0, newline)));
        });
      });
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error(`watch ${path}: no event within 10 s`)));
      req.end();
    });
  }

  kubectl(args: string[], input?: string): Promise<CommandResult> {
    return runTool(toolPath("kubectl"), ["--kubeconfig", this.kubeconfigPath, ...args], input);
  }

  helm(args: string[]): Promise<CommandResult> {
    return runTool(toolPath("helm"), ["--kubeconfig", this.kubeconfigPath, ...args], undefined, {
      // Helm's caches and config stay inside this run's folder.
      HELM_CACHE_HOME: join(this.dir, "helm-cache"), HELM_CONFIG_HOME: join(this.dir, "helm-config"), HELM_DATA_HOME: join(this.dir, "helm-data"),
    });
  }

  /**
   * How many requests kube-apiserver answered with this verb (LIST, WATCH, PATCH, ...) on this
   * resource since it started, summed over response codes (apiserver_request_total on /metrics).
   */
  async requestCount(verb: string, group: string, resource: string): Promise<number> {
    const metrics = await this.get("/metrics");
    if (metrics.status !== 200) throw new Error(`GET /metrics: HTTP ${metrics.status}`);
    let total = 0;
    for (const line of metrics.body.split("\n")) {
      if (!line.startsWith("apiserver_request_total{")) continue;
      const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (labels.verb === verb && labels.group === group && labels.resource === resource && labels.subresource === "") total += Number(line.split(" ").pop());
    }
    return total;
  }

  /**
   * Compacts etcd's history up to its current revision, as kube-apiserver's own compactor does
   * every --etcd-compaction-interval (etcdserverpb.KV/Compact through etcd's JSON gateway).
   * A watch from an older resourceVersion is then answered with 410 Gone, unless kube-apiserver's
   * watch cache still holds that history. Returns the revision compacted to.
   */
  async compactStorage(): Promise<number> {
    const range = await this.etcdCall("/v3/kv/range", { key: Buffer.from("/").toString("base64"), count_only: true }) as { header: { revision: string } };
    const revision = Number(range.header.revision);
    await this.etcdCall("/v3/kv/compaction", { revision: String(revision), physical: true });
    return revision;
  }

  private async etcdCall(path: string, body: object): Promise<unknown> {
    const res = await fetch(`${this.etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  async stop(): Promise<void> {
    await this.apiserver?.stop();
    await this.etcd.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function launch(name: string, binary: string, args: string[]): Child {
  const child = new Child(name, spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] }));
  children.add(child);
  child.process.once("exit", () => children.delete(child));
  return child;
}

/** Runs a tool to completion; never throws for a non-zero exit (tests assert on it). */
export function runTool(binary: string, args: string[], input?: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, failed: () => string | undefined, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const failure = failed();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
