// Assembles the import object a module is instantiated with: every `env` host function of the
// ABI (docs/proxy-wasm-abi.md, grouped by area), the WASI subset under both `wasi_snapshot_preview1` and
// `wasi_unstable`, and an `env.memory` with a maximum for the rare module that imports its
// memory. The loader already refused a module importing anything else (loader.ts, as Envoy
// does); this check stays so a module compiled elsewhere fails naming `module.function`.
import { bufferImports } from "./buffers.ts";
import { calloutImports } from "./callouts.ts";
import { headerImports } from "./headers.ts";
import type { ImportHost } from "./host-api.ts";
import { legacyImports } from "./legacy.ts";
import { loggingImports } from "./logging.ts";
import { metricImports } from "./metrics.ts";
import { propertyImports } from "./properties.ts";
import { queueImports } from "./queues.ts";
import { sharedDataImports } from "./shared-data.ts";
import { streamImports } from "./stream.ts";
import { wasiImports } from "./wasi.ts";

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
const WASI_ENOSYS = 52;

export function envImports(host: ImportHost): Record<string, Function> {
  const stream = streamImports(host);
  return {
    ...loggingImports(host),
    ...propertyImports(host),
    ...bufferImports(host),
    ...headerImports(host),
    ...stream,
    ...calloutImports(host),
    ...sharedDataImports(host),
    ...queueImports(host),
    ...metricImports(host),
    ...legacyImports(host, stream),
  };
}

/** Names of the `env` functions this host provides (for docs and the coverage test). */
export function providedEnvFunctionNames(): string[] {
  const host = new Proxy({}, { get: () => undefined }) as unknown as ImportHost;
  return Object.keys(envImports(host)).sort();
}

/** Names of the WASI preview1 functions implemented (others get an ENOSYS stub, as Envoy links them). */
export function providedWasiFunctionNames(): string[] {
  const host = new Proxy({}, { get: () => undefined }) as unknown as ImportHost;
  return Object.keys(wasiImports(host)).sort();
}

export class MissingImportError extends Error {
  constructor(readonly missing: string[]) {
    super(`module imports ${missing.join(", ")}, which this proxy-wasm host does not provide`);
  }
}

export interface BuiltImports {
  imports: WebAssembly.Imports;
  /** The memory we created when the module imports `env.memory` (else undefined). */
  importedMemory?: WebAssembly.Memory;
}

/**
 * Builds the import object for `module`, or throws MissingImportError naming every import we do
 * not provide.
 */
export function buildImports(
  module: WebAssembly.Module,
  host: ImportHost,
  maxMemoryPages: number,
  memoryLimits: { initial: number; maximum?: number } = { initial: 1 },
  extraEnv: Record<string, WebAssembly.ImportValue> = {},
): BuiltImports {
  const env: Record<string, unknown> = { ...envImports(host), ...extraEnv };
  const wasi = wasiImports(host) as Record<string, Function>;
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  const missing: string[] = [];
  let importedMemory: WebAssembly.Memory | undefined;
  for (const entry of WebAssembly.Module.imports(module)) {
    const target = (imports[entry.module] ??= {});
    if (entry.module === "env" && entry.kind === "function" && env[entry.name]) {
      target[entry.name] = env[entry.name] as WebAssembly.ImportValue;
    } else if ((WASI_MODULES as readonly string[]).includes(entry.module) && entry.kind === "function") {
      target[entry.name] = (wasi[entry.name] ?? (() => WASI_ENOSYS)) as WebAssembly.ImportValue;
    } else if (entry.module === "env" && entry.kind === "memory" && entry.name === "memory") {
      // The module's own maximum if lower, else our cap: memory.grow past it returns -1.
      const maximum = Math.max(memoryLimits.initial, Math.min(memoryLimits.maximum ?? maxMemoryPages, maxMemoryPages));
      importedMemory = new WebAssembly.Memory({ initial: memoryLimits.initial, maximum });
      target[entry.name] = importedMemory;
    } else {
      missing.push(`${entry.module}.${entry.name}${entry.kind === "function" ? "" : ` (${entry.kind})`}`);
    }
  }
  if (missing.length) throw new MissingImportError(missing);
  return { imports, importedMemory };
}
