// Every filter `npm run build` produced must load in Envoy as well as here: the ABI 0.2.1
// marker, an allocator export, and only imports a proxy-wasm host provides (no env.abort or
// env.seed from the AssemblyScript runtime). Checked against the host's own import table.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileProxyWasm } from "./loader.ts";
import { providedEnvFunctionNames, WASI_MODULES } from "./imports/index.ts";
import { readFileSync } from "node:fs";

const buildDir = fileURLToPath(new URL("../../build/filters/", import.meta.url));
const releases = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith(".release.wasm")).sort() : [];

describe("built filter modules", () => {
  it("the build produced the template filter", () => {
    expect(releases).toContain("template.release.wasm");
  });

  it.each(releases)("%s imports only what the host provides and exports the ABI marker", (file) => {
    const compiled = compileProxyWasm(readFileSync(join(buildDir, file)), file);
    expect(compiled.abiVersion).toBe("0.2.1");
    const env = new Set(providedEnvFunctionNames());
    const foreign = WebAssembly.Module.imports(compiled.module)
      .filter((i) => !(i.module === "env" && env.has(i.name)) && !(WASI_MODULES as readonly string[]).includes(i.module))
      .map((i) => `${i.module}.${i.name}`);
    expect(foreign).toEqual([]);
  });

  // The built-in filters export only the stream callbacks they implement (sdk/exports_base.ts),
  // so the host makes 4 or 5 calls into them per request instead of 6; every module still
  // exports what a stream's lifecycle needs.
  it.each([
    ["auth.release.wasm", []],
    ["canary.release.wasm", ["proxy_on_response_headers"]],
    ["ratelimit.release.wasm", ["proxy_on_response_headers"]],
    ["template.release.wasm", ["proxy_on_request_body", "proxy_on_request_trailers", "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers", "proxy_on_log", "proxy_on_done"]],
  ])("%s exports the stream callbacks %j beyond the base set", (file, optional) => {
    const names = WebAssembly.Module.exports(compileProxyWasm(readFileSync(join(buildDir, file)), file).module).map((e) => e.name);
    for (const required of ["proxy_on_context_create", "proxy_on_request_headers", "proxy_on_delete", "proxy_on_configure", "proxy_on_http_call_response"]) {
      expect(names).toContain(required);
    }
    const streamCallbacks = ["proxy_on_request_body", "proxy_on_request_trailers", "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers", "proxy_on_log", "proxy_on_done"];
    expect(streamCallbacks.filter((n) => names.includes(n))).toEqual(optional);
  });
});
