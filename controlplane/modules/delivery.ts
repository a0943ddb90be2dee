// How Wasm modules reach Envoy: inline in the ECDS resource (`vm_config.code.local.inline_bytes`,
// envoy/extensions/wasm/v3/wasm.proto), from this control plane's registry. The translator
// names each module by sha256 (`code.remote`, the portable form `attache translate` prints);
// this step, between translate and the xDS server, swaps in the verified bytes.
//
// Why not `code.remote`: Envoy logs "Wasm remote code fetch is unstable and may cause a crash",
// and an ECDS update cannot wait for a download: on a cache miss the filter is created failed
// ("createWasm: failed to load (in progress)") or, with `nack_on_code_cache_miss`, NACKed until
// some later push. Istio's agent downloads modules and rewrites ECDS to local files for the
// same reason; our control plane is that agent, and inline bytes need no shared volume. Envoy
// compiles inline code synchronously, so a module it cannot load is a NACK of that ECDS
// resource, and Envoy keeps the previous filter config.
//
// A module the registry lacks (a `url` download in progress, failed, or with the wrong
// sha256) is never sent: the filter keeps the last resource Envoy got for it, and the
// problem is reported for the WasmFilter's status.
import type { TypedExtensionConfigJson } from "../../protos/gen/envoy/config/core/v3/extension_pb.ts";
import { WasmSchema, type WasmJson } from "../../protos/gen/envoy/extensions/filters/http/wasm/v3/wasm_pb.ts";
import { packAny, unpackAny } from "../../protos/json.ts";
import { TYPE_URL } from "../../protos/type-urls.ts";
import type { XdsResources } from "../xds/snapshot.ts";
import type { MissingModule } from "./registry.ts";

export interface ModuleSource {
  get(sha256: string): Uint8Array | undefined;
  /** Why the module is not available. */
  problem(sha256: string): string;
  /** `url` modules not available yet or at all, by sha256 (the model keeps the routes that
   *  need them unserved, and says why in status). */
  unavailable?(): ReadonlyMap<string, MissingModule>;
}

export interface UnavailableModule {
  /** ECDS resource (HTTP filter) name, e.g. `attache.wasm/default/hello`. */
  filter: string;
  sha256: string;
  message: string;
}

type ExtensionConfig = TypedExtensionConfigJson;

/** The remote code reference the translator emits, if this ECDS resource has one. */
function remoteCode(resource: ExtensionConfig): { sha256: string; wasm: WasmJson } | undefined {
  const wasm = unpackAny(resource.typed_config, WasmSchema);
  const sha256 = wasm?.config?.vm_config?.code?.remote?.sha256;
  return wasm && sha256 ? { sha256, wasm } : undefined;
}

function withInlineCode(resource: ExtensionConfig, wasm: WasmJson, bytes: Uint8Array): ExtensionConfig {
  const config = wasm.config ?? {};
  // bytes fields are base64 in proto3 JSON.
  const code = { local: { inline_bytes: Buffer.from(bytes).toString("base64") } };
  return { ...resource, typed_config: packAny(WasmSchema, { ...wasm, config: { ...config, vm_config: { ...config.vm_config, code } } }) };
}

export class ModuleDelivery {
  /** Translated ECDS resource -> delivered one: unchanged input keeps its output (===). */
  private readonly delivered = new WeakMap<ExtensionConfig, ExtensionConfig>();
  /** Filter name -> the last resource with code that was sent. */
  private lastSent = new Map<string, ExtensionConfig>();
  private sentNames: ReadonlySet<string> = new Set();

  constructor(private readonly modules: ModuleSource) {}

  deliver(resources: XdsResources): { resources: XdsResources; unavailable: UnavailableModule[] } {
    const extensions = resources[TYPE_URL.typedExtensionConfig];
    if (!extensions?.size) {
      this.remember(new Map());
      return { resources, unavailable: [] };
    }
    const out = new Map<string, ExtensionConfig>();
    const unavailable: UnavailableModule[] = [];
    const sent = new Map<string, ExtensionConfig>();
    for (const [name, resource] of extensions) {
      const remote = remoteCode(resource);
      if (!remote) {
        out.set(name, resource);
        continue;
      }
      let ready = this.delivered.get(resource);
      if (!ready) {
        const bytes = this.modules.get(remote.sha256);
        if (bytes) {
          ready = withInlineCode(resource, remote.wasm, bytes);
          this.delivered.set(resource, ready);
        }
      }
      if (ready) {
        out.set(name, ready);
        sent.set(name, ready);
        continue;
      }
      unavailable.push({ filter: name, sha256: remote.sha256, message: this.modules.problem(remote.sha256) });
      const previous = this.lastSent.get(name);
      if (previous) {
        out.set(name, previous);
        sent.set(name, previous);
      }
    }
    this.remember(sent);
    return { resources: { ...resources, [TYPE_URL.typedExtensionConfig]: out }, unavailable };
  }

  /** ECDS filter names the proxies run a module for: a WasmFilter among them whose new module
   *  is unavailable keeps serving on the module sent before (ModelOptions.modulesOnProxies).
   *  The same object until the set of names changes, so the model's cache still applies. */
  filtersWithModule(): ReadonlySet<string> {
    return this.sentNames;
  }

  private remember(sent: Map<string, ExtensionConfig>): void {
    this.lastSent = sent;
    const same = sent.size === this.sentNames.size && [...sent.keys()].every((name) => this.sentNames.has(name));
    if (!same) this.sentNames = new Set(sent.keys());
  }
}
