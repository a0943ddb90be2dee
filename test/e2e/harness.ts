// End-to-end harness: a temporary directory of CRD YAML, the whole dev stack (file source ->
// model -> translate -> xDS -> data plane, module and admin servers) on ephemeral ports, and
// small upstreams. Every suite runs once per data plane: the local one (devproxy/) and real
// Envoy (skipped without it unless CI=true, test/tools.ts). Tests talk to the stack with real
// HTTP clients only.
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { describe } from "vitest";
import type { DataPlaneKind } from "../../controlplane/runner/dataplane.ts";
import { startDevStack, type DevStack } from "../../controlplane/runner/dev.ts";
import { EXAMPLE_PORTS } from "../../controlplane/runner/example-upstreams/index.ts";
import { describeWithTools } from "../tools.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Worker threads of either data plane: two, so a budget shared by workers is really shared
 *  (Envoy runs with --concurrency 2). */
export const E2E_WORKERS = 2;

/**
 * Declares the suite twice: `<title> [local]` and `<title> [envoy]`, the latter through
 * describeWithTools(["envoy"]). The body gets the data plane to start.
 */
export function forEachDataPlane(title: string, body: (dataPlane: DataPlaneKind) => void): void {
  describe(`${title} [local]`, () => body("local"));
  describeWithTools(["envoy"], `${title} [envoy]`, () => body("envoy"));
}

/** A free loopback port (listeners are named in config, so the stack needs numbers up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface E2E {
  dataPlane: DataPlaneKind;
  dir: string;
  stack: DevStack;
  http: string; // http://127.0.0.1:<port>
  https: number;
  admin: string;
  /** The data plane's admin interface (Envoy's admin for Envoy). */
  proxyAdmin: string;
  /** Writes a file atomically (write + rename, as editors do). */
  write(name: string, yaml: string): void;
  read(name: string): string;
  remove(name: string): void;
  close(): Promise<void>;
}

export type UpstreamPorts = { -readonly [K in keyof typeof EXAMPLE_PORTS]: number };

export interface E2EOptions {
  /** Default: the local data plane. */
  dataPlane?: DataPlaneKind;
  /** Start the example upstreams on these ports (see startExamples). */
  upstreamPorts?: UpstreamPorts;
  /** Self-sign missing TLS Secrets (examples/tls-host.yaml). Default false. */
  selfSign?: boolean;
  /** The plain HTTP listener's port (default: a free one). */
  httpPort?: number;
}

export async function startE2E(files: Record<string, string> = {}, options: E2EOptions = {}): Promise<E2E> {
  const dataPlane = options.dataPlane ?? "local";
  const dir = mkdtempSync(join(tmpdir(), "attache-e2e-"));
  const write = (name: string, yaml: string) => {
    const tmp = join(dir, `.${name}.tmp`);
    writeFileSync(tmp, yaml);
    renameSync(tmp, join(dir, name));
  };
  for (const [name, yaml] of Object.entries(files)) write(name, yaml);
  const [httpPort, httpsPort] = [options.httpPort ?? await freePort(), await freePort()];
  let stack: DevStack;
  try {
    stack = await startDevStack({
      paths: [dir],
      repoRoot: REPO_ROOT,
      ports: { http: httpPort, https: httpsPort, xds: 0, admin: 0, modules: 0, proxyAdmin: 0 },
      dataPlane,
      workers: E2E_WORKERS,
      exampleUpstreams: options.upstreamPorts !== undefined,
      upstreamPorts: options.upstreamPorts,
      selfSignMissingSecrets: options.selfSign ?? false,
      logger: pino({ level: process.env.E2E_LOG ?? "silent" }),
      accessLog: () => undefined,
      debounceMs: 10,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dataPlane, dir, stack, write,
    http: `http://127.0.0.1:${httpPort}`,
    https: httpsPort,
    admin: `http://127.0.0.1:${stack.ports.admin}`,
    proxyAdmin: `http://127.0.0.1:${stack.ports.proxyAdmin}`,
    read: (name) => readFileSync(join(dir, name), "utf8"),
    remove: (name) => unlinkSync(join(dir, name)),
    close: async () => { await stack.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * The stack `npm start` runs: every file of examples/, unchanged except that the example
 * upstreams' addresses (127.0.0.1:9001-9003, examples/README.md) point at free ports, so
 * several stacks and a running `npm start` never collide. Certificates are self-signed at
 * start, as `attache dev` does.
 */
export async function startExamples(dataPlane: DataPlaneKind): Promise<E2E & { upstreamPorts: UpstreamPorts }> {
  const upstreamPorts = { echo: await freePort(), canary: await freePort(), auth: await freePort() };
  const source = join(REPO_ROOT, "examples");
  const files: Record<string, string> = {};
  for (const name of readdirSync(source).filter((n) => n.endsWith(".yaml"))) {
    let text = readFileSync(join(source, name), "utf8");
    for (const key of ["echo", "canary", "auth"] as const) {
      text = text.replaceAll(`127.0.0.1:${EXAMPLE_PORTS[key]}`, `127.0.0.1:${upstreamPorts[key]}`);
    }
    files[name] = text;
  }
  return Object.assign(await startE2E(files, { dataPlane, upstreamPorts, selfSign: true }), { upstreamPorts });
}

/** Polls `probe` until it returns true (or throws after `timeoutMs`); returns elapsed ms. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000, intervalMs = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      if (await probe()) return performance.now() - started;
    } catch { /* not yet */ }
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function mapping(name: string, spec: Record<string, unknown>): string {
  return `apiVersion: attache.dev/v1alpha1\nkind: Mapping\nmetadata:\n  name: ${name}\nspec: ${JSON.stringify(spec)}\n`;
}
