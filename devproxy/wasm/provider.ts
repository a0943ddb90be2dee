// Wasm HTTP filters in the local data plane, as Envoy's wasm filter runs them
// (docs/envoy-wiring.md): each ECDS TypedExtensionConfig holding an
// envoy.extensions.filters.http.wasm.v3.Wasm config becomes one plugin — its module inline
// (`vm_config.code.local.inline_bytes`, what the control plane sends) or fetched from
// `vm_config.code.remote` and checked against `sha256`, one VM per `vm_id`, the plugin
// configuration handed to proxy_on_configure, the failure policy applied when the VM fails
// (host/runtime/plugin.ts). A changed config or module replaces the plugin; an unchanged one keeps
// its VM (and its shared data).
import { createHash } from "node:crypto";
import type { JsonValue } from "@bufbuild/protobuf";
import { BytesValueSchema, StringValueSchema, type AnyJson } from "@bufbuild/protobuf/wkt";
import type { Logger } from "pino";
import { compileInterruptible } from "../../host/runtime/interrupt.ts";
import { WasmSchema, type WasmJson } from "../../protos/gen/envoy/extensions/filters/http/wasm/v3/wasm_pb.ts";
import { unpackAny } from "../../protos/json.ts";
import { compileProxyWasm, InProcessSharedData, LogLevel, MetricsStore, ProxyWasmPlugin, type CompiledProxyWasm, type FailurePolicy, type SharedDataStore } from "../../host/index.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { FilterFactory } from "../proxy/filters.ts";
import type { UpstreamPool } from "../proxy/upstream.ts";
import { WasmHttpFilter, type CalloutSender } from "./http-filter.ts";

interface PluginSpec {
  key: string;
  name: string;
  rootId: string;
  vmId: string;
  sha256: string;
  uri: string;
  /** The module itself when it came inline. */
  inline?: Uint8Array;
  configuration: Uint8Array;
  failurePolicy: FailurePolicy;
}

interface LoadedPlugin {
  spec: PluginSpec;
  plugin?: ProxyWasmPlugin;
  /** Why the plugin is not running (module fetch or start failed). */
  error?: string;
  factory: FilterFactory;
}

export interface WasmFilterProviderOptions {
  logger?: Logger;
  /** Fetch for modules (tests inject one); default global fetch. */
  fetch?: typeof fetch;
  /** Shared data store (worker threads pass the cross-thread one). Default in-process. */
  sharedData?: SharedDataStore;
  /** Compile modules interruptible and stop callbacks past CALLBACK_LIMIT_MS. Default true. */
  interruptModules?: boolean;
}

/**
 * A callback still running after this long is stopped (host/runtime/interrupt.ts: modules are
 * compiled interruptible) and one that returns after it fails the VM: either way the request
 * gets the failure policy's answer and the thread serves the others again. Envoy has no such
 * limit; `attache dev` must survive a filter that loops.
 */
export const CALLBACK_LIMIT_MS = 1000;

/**
 * The level modules see through proxy_get_log_level: the data plane's own, as Envoy hands
 * modules its `wasm` logger's level (info by default), so a filter skips building messages
 * nobody will see.
 */
function moduleLogLevel(logger: Logger | undefined): number {
  switch (logger?.level) {
    case "trace": return LogLevel.Trace;
    case "debug": return LogLevel.Debug;
    case "warn": return LogLevel.Warn;
    case "error": return LogLevel.Error;
    case "fatal": case "silent": return LogLevel.Critical;
    default: return LogLevel.Info;
  }
}

/** PluginConfig.configuration as proxy_on_configure gets it: a StringValue's or BytesValue's
 *  contents; any other message as its JSON (a Struct's is the object itself). */
function configurationBytes(configuration: AnyJson | undefined): Uint8Array {
  if (configuration === undefined) return new Uint8Array();
  const text = unpackAny(configuration, StringValueSchema);
  if (text !== undefined) return new TextEncoder().encode(text);
  const bytes = unpackAny(configuration, BytesValueSchema);
  if (bytes !== undefined) return new Uint8Array(Buffer.from(bytes, "base64"));
  const { value } = configuration as { value?: JsonValue };
  return new TextEncoder().encode(JSON.stringify(value ?? configuration));
}

function specOf(name: string, wasm: WasmJson): PluginSpec {
  const config = wasm.config ?? {};
  const remote = config.vm_config?.code?.remote;
  const local = config.vm_config?.code?.local;
  const inline = local?.inline_bytes !== undefined ? new Uint8Array(Buffer.from(local.inline_bytes, "base64")) : undefined;
  const sha256 = inline ? createHash("sha256").update(inline).digest("hex") : (remote?.sha256 ?? "");
  const uri = inline ? `inline:${sha256}` : (remote?.http_uri?.uri ?? local?.filename ?? "");
  const configuration = configurationBytes(config.configuration);
  // wasm.proto FailurePolicy: UNSPECIFIED means FAIL_CLOSED unless the deprecated fail_open is
  // set (host/runtime/plugin.ts applies each as Envoy does).
  const failurePolicy: FailurePolicy = config.failure_policy === "FAIL_OPEN" || (!config.failure_policy && config.fail_open === true)
    ? "fail-open"
    : config.failure_policy === "FAIL_RELOAD" ? "fail-reload" : "fail-closed";
  const spec = {
    name,
    rootId: config.root_id ?? "",
    vmId: config.vm_config?.vm_id ?? "",
    sha256,
    uri,
    inline,
    configuration,
    failurePolicy,
  };
  const key = createHash("sha256").update(JSON.stringify({ ...spec, inline: undefined, configuration: Buffer.from(configuration).toString("base64") })).digest("hex");
  return { key, ...spec };
}

export class WasmFilterProvider {
  private readonly loaded = new Map<string, LoadedPlugin>();
  private readonly modules = new Map<string, CompiledProxyWasm>();
  private readonly sharedData: SharedDataStore;
  readonly metrics = new MetricsStore();
  private sender?: CalloutSender;

  constructor(private readonly options: WasmFilterProviderOptions = {}) {
    this.sharedData = options.sharedData ?? new InProcessSharedData();
  }

  /** The data plane hands over its upstreams so filters' HTTP callouts reach real clusters. */
  attach(env: { upstreams: UpstreamPool; snapshot: () => Snapshot }): void {
    this.sender = { upstreams: env.upstreams, snapshot: env.snapshot };
  }

  factory(name: string, snapshot: Snapshot): FilterFactory | undefined {
    if (!unpackAny(snapshot.extensions.get(name), WasmSchema)) return undefined;
    return this.loaded.get(name)?.factory;
  }

  async prepare(snapshot: Snapshot): Promise<void> {
    const seen = new Set<string>();
    for (const [name, typed] of snapshot.extensions) {
      const wasm = unpackAny(typed, WasmSchema);
      if (!wasm) continue;
      seen.add(name);
      const spec = specOf(name, wasm);
      const current = this.loaded.get(name);
      if (current?.spec.key === spec.key) continue;
      const next = await this.load(spec);
      current?.plugin?.dispose();
      this.loaded.set(name, next);
    }
    for (const [name, old] of this.loaded) {
      if (seen.has(name)) continue;
      old.plugin?.dispose();
      this.loaded.delete(name);
    }
  }

  /** Plugins and their state, for diagnostics. */
  status(): Array<{ name: string; vmId: string; running: boolean; error?: string; failures: number }> {
    return [...this.loaded.values()].map((l) => ({
      name: l.spec.name, vmId: l.spec.vmId, running: Boolean(l.plugin), error: l.error, failures: l.plugin?.failures.length ?? 0,
    }));
  }

  async close(): Promise<void> {
    for (const l of this.loaded.values()) l.plugin?.dispose();
    this.loaded.clear();
  }

  private compile(bytes: Uint8Array, origin: string): Promise<CompiledProxyWasm> {
    return this.options.interruptModules === false ? Promise.resolve(compileProxyWasm(bytes, origin)) : compileInterruptible(bytes, origin);
  }

  private async module(spec: PluginSpec): Promise<CompiledProxyWasm> {
    const cached = this.modules.get(spec.sha256);
    if (cached) return cached;
    if (spec.inline) {
      const compiled = await this.compile(spec.inline, spec.uri);
      this.modules.set(spec.sha256, compiled);
      return compiled;
    }
    const res = await (this.options.fetch ?? fetch)(spec.uri);
    if (!res.ok) throw new Error(`fetching ${spec.uri}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (spec.sha256 && digest !== spec.sha256) throw new Error(`module ${spec.uri}: sha256 mismatch (expected ${spec.sha256}, got ${digest})`);
    const compiled = await this.compile(bytes, spec.uri);
    this.modules.set(digest, compiled);
    return compiled;
  }

  private async load(spec: PluginSpec): Promise<LoadedPlugin> {
    const logger = this.options.logger;
    let plugin: ProxyWasmPlugin | undefined;
    let error: string | undefined;
    // A module that cannot be fetched or compiled fails the update (the data plane keeps its
    // previous config and reports why), as Envoy rejects a Wasm config whose code does not
    // load: the route is never served without its filter. failure_policy is for a VM that
    // fails while serving.
    const module = await this.module(spec);
    try {
      plugin = new ProxyWasmPlugin(module, {
        rootId: spec.rootId,
        name: spec.name,
        configuration: spec.configuration,
        failurePolicy: spec.failurePolicy,
        vm: {
          vmId: spec.vmId,
          sharedData: this.sharedData,
          metrics: this.metrics,
          maxMemoryBytes: 64 * 1024 * 1024,
          logLevel: moduleLogLevel(logger),
          // A pause that long is a bug, not load: GC pauses on a busy machine stay far below it.
          timeBudgetMs: CALLBACK_LIMIT_MS,
          runawayMs: this.options.interruptModules === false ? undefined : CALLBACK_LIMIT_MS,
          onLog: (entry) => logger?.[entry.level >= 4 ? "error" : entry.level === 3 ? "warn" : "debug"]({ filter: spec.name, context: entry.contextId }, entry.message),
        },
      });
      plugin.start();
      logger?.info({ filter: spec.name, vmId: spec.vmId, sha256: spec.sha256.slice(0, 12) }, "wasm filter started");
    } catch (err) {
      error = (err as Error).message;
      plugin?.dispose();
      plugin = undefined;
      logger?.error({ filter: spec.name, error }, "wasm filter failed to start; requests follow its failure policy");
    }
    const sender = () => this.sender;
    const factory: FilterFactory = {
      name: spec.name,
      createInstance: (info) => new WasmHttpFilter(plugin, spec.failurePolicy, info, sender()),
    };
    return { spec, plugin, error, factory };
  }
}
