// Registers the Wasm modules this checkout built (build/filters/<name>.release.wasm: the
// built-ins auth, ratelimit, canary and every filter made with `attache new filter`) with the
// module server, and returns their digests by name for the model (`ModelOptions.modules`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ModuleRegistry } from "../modules/registry.ts";
import type { ResourceBundle } from "../sources/bundle.ts";

export function registerBuiltModules(registry: ModuleRegistry, repoRoot: string): Record<string, { sha256: string }> {
  const dir = join(repoRoot, "build", "filters");
  if (!existsSync(dir)) throw new Error(`${dir}: no built filters; run \`npm run build\` first`);
  const out: Record<string, { sha256: string }> = {};
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-z][a-z0-9-]*)\.release\.wasm$/.exec(file);
    if (m) out[m[1]] = { sha256: registry.add(readFileSync(join(dir, file)), undefined, file) };
  }
  return out;
}

/** ConfigMap modules (binaryData) and URL modules become servable by their SHA-256. Bytes the
 *  registry refuses (not Wasm, too big) are skipped and logged: the model already made them
 *  the WasmFilter's error, so no route uses them. A url module downloads in the background and
 *  calls `settled` when it is in the registry or has failed. */
export function registerBundleModules(registry: ModuleRegistry, bundle: ResourceBundle, logger?: Logger, settled?: () => void): void {
  for (const { object } of bundle.resources) {
    if (object.kind === "ConfigMap") {
      const what = `ConfigMap ${object.metadata?.namespace ?? "default"}/${object.metadata?.name}`;
      for (const [key, value] of Object.entries((object.binaryData ?? {}) as Record<string, unknown>)) {
        if (typeof value !== "string") continue;
        try {
          registry.add(Buffer.from(value, "base64"), undefined, `${what} key ${key}`);
        } catch (error) {
          logger?.debug({ module: `${what} key ${key}`, error: (error as Error).message }, "ConfigMap data is not a servable module");
        }
      }
    } else if (object.kind === "WasmFilter") {
      const module = ((object.spec ?? {}) as { module?: { url?: string; sha256?: string } }).module;
      if (module?.url && module.sha256 && !registry.has(module.sha256))
        // Either way `settled` runs the pipeline again: the module is inlined, or its status says why not.
        registry.addUrl(module.url, module.sha256).then(settled, (error: Error) => {
          logger?.warn({ url: module.url, error: error.message }, "Wasm module download failed");
          settled?.();
        });
    }
  }
}
