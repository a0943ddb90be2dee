// Options builder for HostEmulator, after the Go SDK's proxytest.EmulatorOption
// (NewEmulatorOption().WithPluginConfiguration(..).WithProperty(..)...). Immutable style is
// not needed here; each with* sets one field and returns the builder.
import { LogLevel, LOG_LEVEL_NAMES, type LogLevelName } from "../runtime/abi/enums.ts";
import { FakeClock, type Clock } from "../runtime/clock.ts";
import type { FailurePolicy } from "../runtime/failure.ts";
import type { ForeignFunction } from "../runtime/imports/host-api.ts";
import { loadProxyWasmFile, type CompiledProxyWasm } from "../runtime/loader.ts";
import { MetricsStore } from "../runtime/metrics.ts";
import { encodeProperty, propertyKey, type PropertyInput } from "../runtime/properties.ts";
import { InProcessSharedData, type SharedDataStore } from "../runtime/shared-data.ts";
import { SharedQueueRegistry } from "../runtime/shared-queues.ts";

function bytes(value: string | Uint8Array | object): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
}

export class EmulatorOptions {
  module?: CompiledProxyWasm;
  pluginConfiguration: Uint8Array = new Uint8Array(0);
  vmConfiguration: Uint8Array = new Uint8Array(0);
  properties = new Map<string, Uint8Array>();
  logLevel: number = LogLevel.Trace;
  vmId = "";
  rootId = "";
  pluginName?: string;
  clock: Clock = new FakeClock();
  sharedData: SharedDataStore = new InProcessSharedData();
  queues = new SharedQueueRegistry();
  metrics = new MetricsStore();
  failurePolicy: FailurePolicy = "fail-closed";
  upstreams?: string[];
  foreignFunctions: Record<string, ForeignFunction> = {};
  maxMemoryBytes?: number;
  timeBudgetMs?: number;
  runawayMs?: number;

  /** The module to run: a path to a .wasm (its .wasm.map is used for trap locations) or a compiled one. */
  withWasm(module: string | CompiledProxyWasm): this {
    this.module = typeof module === "string" ? loadProxyWasmFile(module) : module;
    return this;
  }

  /** Plugin configuration (proxy_on_configure); objects are sent as JSON. */
  withPluginConfiguration(configuration: string | Uint8Array | object): this {
    this.pluginConfiguration = bytes(configuration);
    return this;
  }

  /** VM configuration (proxy_on_vm_start); objects are sent as JSON. */
  withVmConfiguration(configuration: string | Uint8Array | object): this {
    this.vmConfiguration = bytes(configuration);
    return this;
  }

  /** A property the module can read, e.g. withProperty("xds.route_name", "r1") or (["source", "address"], "10.0.0.1:5000"). */
  withProperty(path: string | string[], value: PropertyInput): this {
    this.properties.set(propertyKey(path), encodeProperty(value));
    return this;
  }

  withLogLevel(level: number | LogLevelName): this {
    const value = typeof level === "number" ? level : LOG_LEVEL_NAMES.indexOf(level);
    if (!(value >= LogLevel.Trace && value <= LogLevel.Critical)) throw new RangeError(`withLogLevel: unknown level ${String(level)}`);
    this.logLevel = value;
    return this;
  }

  withVmId(vmId: string): this {
    this.vmId = vmId;
    return this;
  }

  withRootId(rootId: string): this {
    this.rootId = rootId;
    return this;
  }

  withPluginName(name: string): this {
    this.pluginName = name;
    return this;
  }

  /** Default: a FakeClock at 2024-01-01T00:00:00Z, moved by HostEmulator.advanceTime(). */
  withClock(clock: Clock): this {
    this.clock = clock;
    return this;
  }

  /** Share one store between emulators to model several VMs of one vm_id. */
  withSharedData(store: SharedDataStore): this {
    this.sharedData = store;
    return this;
  }

  withSharedQueues(queues: SharedQueueRegistry): this {
    this.queues = queues;
    return this;
  }

  withMetrics(metrics: MetricsStore): this {
    this.metrics = metrics;
    return this;
  }

  withFailurePolicy(policy: FailurePolicy): this {
    this.failurePolicy = policy;
    return this;
  }

  /** Upstream (cluster) names proxy_http_call accepts; others get BadArgument. Default: any. */
  withUpstreams(names: string[]): this {
    this.upstreams = names;
    return this;
  }

  withForeignFunction(name: string, fn: ForeignFunction): this {
    this.foreignFunctions[name] = fn;
    return this;
  }

  withMaxMemoryBytes(bytes: number): this {
    this.maxMemoryBytes = bytes;
    return this;
  }

  /** Stop a callback still running after `ms` (needs a module loaded with `interruptible`; vm.ts runawayMs). */
  withRunawayMs(ms: number): this {
    this.runawayMs = ms;
    return this;
  }

  withTimeBudgetMs(ms: number): this {
    this.timeBudgetMs = ms;
    return this;
  }
}
