import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ModuleRegistry, sha256Hex } from "./registry.ts";
import { startModuleServer, type ModuleServer } from "./server.ts";

// The smallest valid module: magic + version.
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
// Same module plus an empty custom section, so it has a different digest.
const OTHER_MODULE = new Uint8Array([...EMPTY_MODULE, 0x00, 0x02, 0x01, 0x78]);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => { while (closers.length) await closers.pop()!(); });

async function origin(handler: http.RequestListener): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => { hits++; handler(req, res); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

async function serve(registry: ModuleRegistry): Promise<ModuleServer> {
  const s = await startModuleServer(registry, 0, "127.0.0.1");
  closers.push(() => s.close());
  return s;
}

describe("Wasm module registry and server", () => {
  it("serves a module at /modules/<sha256>.wasm with its exact bytes", async () => {
    const registry = new ModuleRegistry();
    const digest = registry.add(OTHER_MODULE);
    const server = await serve(registry);
    const res = await fetch(`http://127.0.0.1:${server.port}/modules/${digest}.wasm`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/wasm");
    expect(sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(digest);
  });

  it("answers 404 for unknown digests and other paths", async () => {
    const server = await serve(new ModuleRegistry());
    for (const path of [`/modules/${"0".repeat(64)}.wasm`, "/modules/../etc/passwd", "/", "/modules/abc.wasm"]) {
      expect((await fetch(`http://127.0.0.1:${server.port}${path}`)).status).toBe(404);
    }
  });

  it("refuses a url module whose sha256 does not match", async () => {
    const o = await origin((_req, res) => res.end(OTHER_MODULE));
    const registry = new ModuleRegistry();
    await expect(registry.addUrl(`${o.url}/m.wasm`, sha256Hex(EMPTY_MODULE))).rejects.toThrow(/sha256 mismatch: expected [0-9a-f]{64}, got/);
    expect(registry.has(sha256Hex(OTHER_MODULE))).toBe(false);
  });

  it("downloads a url module once and serves later requests from the cache", async () => {
    const o = await origin((_req, res) => res.end(OTHER_MODULE));
    const registry = new ModuleRegistry();
    const sha = sha256Hex(OTHER_MODULE);
    const [a, b] = await Promise.all([registry.addUrl(`${o.url}/m.wasm`, sha), registry.addUrl(`${o.url}/m.wasm`, sha)]);
    await registry.addUrl(`${o.url}/m.wasm`, sha);
    expect(a).toBe(sha);
    expect(b).toBe(sha);
    expect(o.hits()).toBe(1);
  });

  it("refuses oversize modules, declared or streamed", async () => {
    const big = new Uint8Array(2048);
    big.set(EMPTY_MODULE);
    const declared = await origin((_req, res) => res.end(big));
    const streamed = await origin((_req, res) => { res.write(big); res.end(big); });
    const registry = new ModuleRegistry({ maxBytes: 1024 });
    await expect(registry.addUrl(`${declared.url}/m.wasm`, sha256Hex(big))).rejects.toThrow(/over the 1024-byte module limit/);
    await expect(registry.addUrl(`${streamed.url}/m.wasm`, sha256Hex(big))).rejects.toThrow(/over the 1024-byte module limit/);
    expect(() => registry.add(big)).toThrow(/over the 1024-byte module limit/);
  });

  it("refuses bytes that are not WebAssembly (e.g. an HTML error page)", async () => {
    const o = await origin((_req, res) => res.end("<html>oops</html>"));
    const registry = new ModuleRegistry();
    await expect(registry.addUrl(`${o.url}/m.wasm`, sha256Hex(Buffer.from("<html>oops</html>")))).rejects.toThrow(/not a valid WebAssembly module/);
  });

  it("checks ConfigMap module bytes against the declared sha256", () => {
    const registry = new ModuleRegistry();
    expect(() => registry.add(OTHER_MODULE, sha256Hex(EMPTY_MODULE), "ConfigMap default/filters key check.wasm"))
      .toThrow("ConfigMap default/filters key check.wasm: sha256 mismatch");
    expect(registry.add(OTHER_MODULE, sha256Hex(OTHER_MODULE))).toBe(sha256Hex(OTHER_MODULE));
  });
});
