// `attache module configmap <file.wasm>`: prints a ConfigMap that carries a built module in
// binaryData, ready for `kubectl apply` next to a WasmFilter whose module names it
// (`module.configMap: {name, key}`, and `module.sha256` to pin the exact bytes). The module is
// checked to be a proxy-wasm module first, so a wrong file fails here and not at request time.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import type { CommandIo } from "./commands.ts";

const USAGE = "usage: attache module configmap <file.wasm> [--name name] [--namespace ns] [--key key]";
/** Kubernetes refuses objects over 1 MiB (etcd's request limit); base64 grows the module by a third. */
const MAX_MODULE_BYTES = 768 * 1024;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { name: { type: "string" }, namespace: { type: "string" }, key: { type: "string" } } });
  } catch (error) {
    io.err(`attache module configmap: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const file = resolve(io.cwd, parsed.positionals[0]);
  const name = parsed.values.name ?? basename(file).replace(/(\.release|\.debug)?\.wasm$/, "").toLowerCase();
  const key = parsed.values.key ?? "module.wasm";
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    io.err(`attache module configmap: ${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}\n`);
    return 1;
  }
  const problem = checkModule(bytes, name, key);
  if (problem) {
    io.err(`attache module configmap: ${file}: ${problem}\n`);
    return 1;
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const metadata: Record<string, unknown> = { name, annotations: { "attache.dev/module-sha256": sha256 } };
  if (parsed.values.namespace) metadata.namespace = parsed.values.namespace;
  io.out(stringify({ apiVersion: "v1", kind: "ConfigMap", metadata, binaryData: { [key]: bytes.toString("base64") } }, { lineWidth: 0 }));
  io.err(`module sha256 ${sha256}; in the WasmFilter: module: { configMap: { name: ${name}, key: ${key} }, sha256: ${sha256} }\n`);
  return 0;
}

function checkModule(bytes: Buffer, name: string, key: string): string | undefined {
  if (bytes.length > MAX_MODULE_BYTES) return `${bytes.length} bytes is over the ${MAX_MODULE_BYTES}-byte limit a ConfigMap can carry; publish it at an https URL instead (module.url + module.sha256)`;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(new Uint8Array(bytes));
  } catch (error) {
    return `not a WebAssembly module (${(error as Error).message})`;
  }
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  if (!["proxy_abi_version_0_2_0", "proxy_abi_version_0_2_1"].some((marker) => exports.has(marker))) {
    return "not a proxy-wasm module: it exports no proxy_abi_version_0_2_0 or proxy_abi_version_0_2_1 marker";
  }
  if (!DNS_LABEL.test(name) || name.length > 253) return `--name ${JSON.stringify(name)} is not a valid ConfigMap name (lower-case letters, digits and dashes)`;
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return `--key ${JSON.stringify(key)} is not a valid ConfigMap key`;
  return undefined;
}
