// End-to-end harness: a temporary directory of CRD YAML, the whole dev stack (file source ->
// model -> translate -> xDS -> local data plane, module and admin servers) on ephemeral
// ports, and small upstreams. Tests talk to it with real HTTP clients only.
import { mkdtempSync, rmSync, writeFileSync, renameSync, unlinkSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { startDevStack, type DevStack } from "../../controlplane/runner/dev.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

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
  dir: string;
  stack: DevStack;
  http: string; // http://127.0.0.1:<port>
  https: number;
  admin: string;
  /** Writes a file atomically (write + rename, as editors do). */
  write(name: string, yaml: string): void;
  remove(name: string): void;
  close(): Promise<void>;
}

export async function startE2E(files: Record<string, string> = {}, ports: { http?: number } = {}): Promise<E2E> {
  const dir = mkdtempSync(join(tmpdir(), "attache-e2e-"));
  const write = (name: string, yaml: string) => {
    const tmp = join(dir, `.${name}.tmp`);
    writeFileSync(tmp, yaml);
    renameSync(tmp, join(dir, name));
  };
  for (const [name, yaml] of Object.entries(files)) write(name, yaml);
  const [httpPort, httpsPort] = [ports.http ?? await freePort(), await freePort()];
  const stack = await startDevStack({
    paths: [dir],
    repoRoot: REPO_ROOT,
    ports: { http: httpPort, https: httpsPort, xds: 0, admin: 0, modules: 0, proxyAdmin: 0 },
    exampleUpstreams: false,
    logger: pino({ level: "silent" }),
    accessLog: () => undefined,
    debounceMs: 10,
  });
  return {
    dir, stack, write,
    http: `http://127.0.0.1:${httpPort}`,
    https: httpsPort,
    admin: `http://127.0.0.1:${stack.ports.admin}`,
    remove: (name) => unlinkSync(join(dir, name)),
    close: async () => { await stack.close(); rmSync(dir, { recursive: true, force: true }); },
  };
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
