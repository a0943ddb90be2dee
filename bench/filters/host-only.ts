// Bench case "host-only": a hand-assembled module (Binaryen) whose proxy_on_request_headers
// makes exactly the template filter's three host calls — proxy_get_property(xds.route_name),
// proxy_get_header_map_value(x-api-version), proxy_replace_header_map_value(x-hello, world) —
// and nothing else, with no-op lifecycle callbacks. Its cost is the host and the Wasm boundary
// alone; the template row minus this row is what the filter and its SDK runtime add.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import type { HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";

const WASM = fileURLToPath(new URL("../../build/bench/host-only.wasm", import.meta.url));

function buildModule(): Uint8Array {
  const mod = new binaryen.Module();
  const i32 = binaryen.i32;
  const none = binaryen.none;
  const text = (s: string) => new TextEncoder().encode(s);
  const c = (v: number) => mod.i32.const(v);
  mod.setMemory(2, 16, "memory", [
    { offset: c(100), data: text("x-api-version"), passive: false },
    { offset: c(200), data: text("xds\0route_name"), passive: false },
    { offset: c(300), data: text("x-hello"), passive: false },
    { offset: c(400), data: text("world"), passive: false },
  ]);
  const params = (n: number) => binaryen.createType(Array(n).fill(i32));
  mod.addFunction("marker", none, none, [], mod.nop());
  mod.addFunctionExport("marker", "proxy_abi_version_0_2_1");
  // A bump allocator is enough: the results are never read, and memory is reused per call.
  mod.addFunction("malloc", params(1), i32, [], c(4096));
  mod.addFunctionExport("malloc", "malloc");
  for (const [name, n] of [["proxy_get_property", 4], ["proxy_get_header_map_value", 5], ["proxy_replace_header_map_value", 5]] as const) {
    mod.addFunctionImport(name, "env", name, params(n), i32);
  }
  mod.addFunction("on_request_headers", params(3), i32, [], mod.block(null, [
    mod.drop(mod.call("proxy_get_property", [c(200), c(14), c(16), c(20)], i32)),
    mod.drop(mod.call("proxy_get_header_map_value", [c(0), c(100), c(13), c(16), c(20)], i32)),
    mod.drop(mod.call("proxy_replace_header_map_value", [c(0), c(300), c(7), c(400), c(5)], i32)),
    c(0),
  ], i32));
  mod.addFunctionExport("on_request_headers", "proxy_on_request_headers");
  for (const [name, n] of [["proxy_on_context_create", 2], ["proxy_on_log", 1], ["proxy_on_delete", 1]] as const) {
    mod.addFunction(name, params(n), none, [], mod.nop());
    mod.addFunctionExport(name, name);
  }
  mod.addFunction("on_done", params(1), i32, [], c(1));
  mod.addFunctionExport("on_done", "proxy_on_done");
  if (!mod.validate()) throw new Error("host-only bench module: invalid");
  const bytes = mod.emitBinary();
  mod.dispose();
  return bytes;
}

mkdirSync(dirname(WASM), { recursive: true });
writeFileSync(WASM, buildModule());

const hostOnlyCase: FilterBenchCase = {
  name: "host-only",
  description: "the template's 3 host calls from a module doing nothing else (host + boundary cost)",
  wasm: WASM,
  configuration: "",
  properties: { "xds.route_name": "default/api" },
  request: (i) => [
    [":method", "GET"],
    [":path", `/items/${i % 1000}`],
    [":authority", "api.example.com"],
    ["x-api-version", "2"],
  ],
  baseline() {
    const properties = new Map([["xds\0route_name", "default/api"]]);
    return (headers: HeaderPairs) => {
      const route = properties.get("xds\0route_name");
      const version = headers.find(([k]) => k === "x-api-version");
      const existing = headers.findIndex(([k]) => k === "x-hello");
      if (existing >= 0) headers[existing] = ["x-hello", "world"];
      else headers.push(["x-hello", "world"]);
      return route && version;
    };
  },
};

export default hostOnlyCase;
