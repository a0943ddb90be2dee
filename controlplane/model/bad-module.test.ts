// A ConfigMap module that is not WebAssembly, or is over the module size limit, is the
// WasmFilter's error (and the Mappings using it are rejected with it), never a route that
// answers 503 at request time with nothing logged.
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_MODULE_BYTES } from "../modules/registry.ts";
import { buildModel } from "./index.ts";
import { errorsOf, TEST_OPTIONS } from "./fixtures.ts";

const svc = "http://127.0.0.1:9001";
const api = "attache.dev/v1alpha1";
/** Objects, not YAML: a 16 MiB module would spend seconds in the YAML parser. */
const model = (bytes: Buffer) => buildModel({ revision: 1, errors: [], resources: [
  { apiVersion: api, kind: "WasmFilter", metadata: { name: "cm" }, spec: { module: { configMap: { name: "mods", key: "f.wasm" } } } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mods" }, binaryData: { "f.wasm": bytes.toString("base64") } },
  { apiVersion: api, kind: "Mapping", metadata: { name: "m" }, spec: { prefix: "/", service: svc, filters: [{ name: "cm" }] } },
].map((object) => ({ object })) }, TEST_OPTIONS);

describe("ConfigMap modules", () => {
  it("bytes that are not WebAssembly are the WasmFilter's error and keep its Mappings out", () => {
    const result = model(Buffer.from("<html>not a module</html>"));
    expect(errorsOf(result)).toEqual([
      "WasmFilter default/cm: spec.module.configMap: ConfigMap default/mods key f.wasm: not a valid WebAssembly module",
      "Mapping default/m: spec.filters[0].name: WasmFilter default/cm is not usable: ConfigMap default/mods key f.wasm: not a valid WebAssembly module",
    ]);
    expect(result.ir.virtualHosts.flatMap((v) => v.routes)).toEqual([]);
  });

  it("a module over the size limit is refused before it is decoded", () => {
    const result = model(Buffer.alloc(DEFAULT_MAX_MODULE_BYTES + 3));
    expect(errorsOf(result)[0]).toBe(`WasmFilter default/cm: spec.module.configMap: ConfigMap default/mods key f.wasm: ${DEFAULT_MAX_MODULE_BYTES + 3} bytes is over the ${DEFAULT_MAX_MODULE_BYTES}-byte module limit`);
  });
});
