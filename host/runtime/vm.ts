// One instance of a proxy-wasm module: instantiation and start (docs/proxy-wasm-abi.md "Order of calls":
// `_initialize` then `main`, or `_start`), the state host functions act on (ImportHost), and
// `invoke`, through which every callback runs so that a trap, a budget overrun or memory grown
// past the cap marks the VM failed instead of escaping. Context lifecycles live in
// dispatcher.ts; this file knows nothing about HTTP.
import { LogLevel, type AbiVersion } from "./abi/enums.ts";
import { budgetClock, coarseNowMs } from "./budget-clock.ts";
import { INTERRUPT_IMPORT } from "./interrupt.ts";
import { systemClock, type Clock } from "./clock.ts";
import { ContextTable } from "./context-table.ts";
import type { ContextState, GrpcCall, HttpCallout } from "./contexts.ts";
import { describeCallbackError, VmFailure } from "./failure.ts";
import type { CallbackData, ForeignFunction, ImportHost } from "./imports/host-api.ts";
import { buildImports, MissingImportError } from "./imports/index.ts";
import { MAX_MEMORY_BYTES, ModuleLoadError, type CompiledProxyWasm } from "./loader.ts";
import { GuestMemory } from "./memory.ts";
import { MetricsStore } from "./metrics.ts";
import { resolveProperty } from "./properties.ts";
import { InProcessSharedData, type SharedDataStore } from "./shared-data.ts";
import { SharedQueueRegistry, type QueueOwner } from "./shared-queues.ts";

export interface LogEntry {
  level: number;
  message: string;
  /** The effective context when the module logged (null outside callbacks). */
  contextId: number | null;
}

export interface VmOptions {
  /** vm_id: VMs with the same id share shared data and queues. Default "". */
  vmId?: string;
  /** Bytes given to proxy_on_vm_start (VmConfig.configuration). */
  vmConfiguration?: Uint8Array;
  /** Messages below this level are dropped; proxy_get_log_level returns it. Default Trace. */
  logLevel?: number;
  onLog?: (entry: LogEntry) => void;
  clock?: Clock;
  /** Properties by joined path (see properties.ts propertyKey) with Envoy-encoded values. */
  properties?: ReadonlyMap<string, Uint8Array>;
  sharedData?: SharedDataStore;
  queues?: SharedQueueRegistry;
  metrics?: MetricsStore;
  /** Upstream names proxy_http_call/grpc may use; unset = any (BadArgument otherwise). */
  knownUpstreams?: Iterable<string>;
  foreignFunctions?: Record<string, ForeignFunction>;
  /**
   * Linear memory cap; a callback that leaves memory larger fails the VM. Default 1 GiB, V8's
   * cap in Envoy (the loader also lowers the module's maximum to it, so growth past it fails).
   */
  maxMemoryBytes?: number;
  /**
   * Per-callback time budget measured on the calling thread. A callback that returns after
   * the budget fails the VM; one that never returns can only be stopped in isolated mode
   * (harness/isolated.ts), see README "Time budget". Unset = not measured (saves two clock reads).
   */
  timeBudgetMs?: number;
  /** First context id (a VM rebuilt after a failure continues its predecessor's numbering). */
  firstContextId?: number;
  /**
   * Stop a callback that runs longer than this, on the calling thread, as kind `timeout`. Needs
   * a module compiled with CompileOptions.interruptible (interrupt.ts); unset = no limit, as in
   * Envoy.
   */
  runawayMs?: number;
}

const DEFAULT_MAX_MEMORY = MAX_MEMORY_BYTES;
const PAGE = 65536;

export class ProxyWasmVm implements ImportHost, QueueOwner {
  readonly memory: GuestMemory;
  readonly vmId: string;
  readonly abiVersion: AbiVersion;
  readonly clock: Clock;
  readonly logLevel: number;
  readonly sharedData: SharedDataStore;
  readonly queues: SharedQueueRegistry;
  readonly queueOwner: QueueOwner = this;
  readonly metrics: MetricsStore;
  readonly knownUpstreams: ReadonlySet<string> | undefined;
  readonly foreignFunctions: ReadonlyMap<string, ForeignFunction>;
  readonly httpCallouts = new Map<number, HttpCallout>();
  readonly grpcCalls = new Map<number, GrpcCall>();
  readonly contexts = new ContextTable();
  readonly exports: Record<string, Function>;
  readonly vmConfiguration: Uint8Array;
  callbackData: CallbackData = {};
  lastCallStatus = { code: 0, message: "" };
  failure: VmFailure | null = null;

  private effectiveContext: ContextState | null = null;
  private readonly wasmMemory: WebAssembly.Memory;
  private readonly properties: ReadonlyMap<string, Uint8Array>;
  private readonly onLog: (entry: LogEntry) => void;
  private readonly maxMemoryBytes: number;
  private readonly timeBudgetMs: number | undefined;
  private readonly budgetNow: () => number;
  private readonly runawayMs: number | undefined;
  /** Coarse-clock start of the outermost running callback and its name (runaway checks). */
  private outerStartedMs = 0;
  private outerCallback = "";
  private nextContext = 1;
  private nextToken = 1;
  private depth = 0;
  private stopForced = false;
  private lastModuleError: string | undefined;
  private pendingQueueReady: Array<[number, number]> = [];
  private disposed = false;
  /** Whether the most recent top-level callback called proxy_send_local_response. */
  lastCallForcedStop = false;

  private constructor(readonly compiled: CompiledProxyWasm, options: VmOptions) {
    this.vmId = options.vmId ?? "";
    this.abiVersion = compiled.abiVersion;
    this.clock = options.clock ?? systemClock;
    this.logLevel = options.logLevel ?? LogLevel.Trace;
    this.sharedData = options.sharedData ?? new InProcessSharedData();
    this.queues = options.queues ?? new SharedQueueRegistry();
    this.metrics = options.metrics ?? new MetricsStore();
    this.knownUpstreams = options.knownUpstreams ? new Set(options.knownUpstreams) : undefined;
    this.foreignFunctions = new Map(Object.entries(options.foreignFunctions ?? {}));
    this.properties = options.properties ?? new Map();
    this.onLog = options.onLog ?? (() => {});
    this.vmConfiguration = options.vmConfiguration ?? new Uint8Array(0);
    this.maxMemoryBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY;
    this.timeBudgetMs = options.timeBudgetMs;
    this.budgetNow = budgetClock(options.timeBudgetMs ?? 0);
    this.nextContext = options.firstContextId ?? 1;

    this.runawayMs = options.runawayMs;
    if (options.runawayMs !== undefined) budgetClock(Number.MAX_SAFE_INTEGER); // starts the coarse clock's ticker now
    const extraEnv: Record<string, WebAssembly.ImportValue> = compiled.interruptible ? { [INTERRUPT_IMPORT]: () => this.checkRunaway() } : {};
    let built;
    try {
      built = buildImports(compiled.module, this, Math.max(1, Math.floor(this.maxMemoryBytes / PAGE)), compiled.importedMemory, extraEnv);
    } catch (error) {
      if (error instanceof MissingImportError) throw new ModuleLoadError(compiled.origin, error.message, { cause: error });
      throw error;
    }
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(compiled.module, built.imports);
    } catch (error) {
      throw new ModuleLoadError(compiled.origin, `instantiation failed: ${(error as Error).message}`, { cause: error });
    }
    this.exports = instance.exports as Record<string, Function>;
    this.wasmMemory = built.importedMemory ?? (instance.exports.memory as WebAssembly.Memory);
    const allocate = this.exports[compiled.allocator] as (size: number) => number;
    this.memory = new GuestMemory(this.wasmMemory, allocate);
    this.sharedData.attach(this.vmId);
  }

  /** Instantiates and starts the module (`_initialize` + `main`, or `_start`). */
  static create(compiled: CompiledProxyWasm, options: VmOptions = {}): ProxyWasmVm {
    const vm = new ProxyWasmVm(compiled, options);
    const { _initialize, _start, main, __main_void } = vm.exports;
    try {
      if (_initialize) {
        vm.invoke("_initialize", null, () => _initialize());
        const entry = main ?? __main_void;
        if (entry) vm.invoke(main ? "main" : "__main_void", null, () => entry(0, 0));
      } else if (_start) {
        vm.invoke("_start", null, () => _start());
      }
    } catch (error) {
      vm.dispose();
      throw error;
    }
    return vm;
  }

  /** The module's linear memory (exported, or the one we supplied for an imported memory). */
  get linearMemory(): WebAssembly.Memory {
    return this.wasmMemory;
  }

  private readonly unixNanos = () => this.clock.unixNanos();

  // ---- ImportHost ----

  log(level: number, message: string): void {
    if (level >= LogLevel.Error) this.lastModuleError = message;
    if (level < this.logLevel) return;
    this.onLog({ level, message, contextId: this.effectiveContext?.id ?? null });
  }

  effective(): ContextState | null {
    return this.effectiveContext;
  }

  setEffective(contextId: number): boolean {
    const context = this.contexts.get(contextId);
    if (!context) return false;
    this.effectiveContext = context;
    return true;
  }

  getProperty(key: string): Uint8Array | undefined {
    return resolveProperty(this.effectiveContext, key, this.properties, this.vmId, this.unixNanos);
  }

  nextCalloutToken(): number {
    return this.nextToken++;
  }

  forceStop(): void {
    this.stopForced = true;
  }

  notifyQueueReady(rootContextId: number, queueId: number): void {
    if (this.failure || this.disposed) return;
    if (this.depth > 0) {
      this.pendingQueueReady.push([rootContextId, queueId]);
      return;
    }
    this.deliverQueueReady(rootContextId, queueId);
  }

  private deliverQueueReady(rootContextId: number, queueId: number): void {
    const root = this.contexts.get(rootContextId);
    const fn = this.exports.proxy_on_queue_ready;
    if (!root || !fn) return;
    this.invoke("proxy_on_queue_ready", root, () => fn(rootContextId, queueId));
  }

  // ---- callbacks ----

  /** Allocates the next context id (one counter from 1, never reused). */
  takeContextId(): number {
    return this.nextContext++;
  }

  /** The id the next context will get. */
  peekContextId(): number {
    return this.nextContext;
  }

  /**
   * Runs one callback, `run(a, b, c)`, with `context` as the current and effective context.
   * Any exception out of the module (or a budget/memory violation) fails the VM and is
   * rethrown as VmFailure.
   */
  // `run` is a wasm export or a closure; `any` because exports declare 0-3 parameters.
  invoke<T>(callback: string, context: ContextState | null, run: (...args: any[]) => T, a?: number, b?: number, c?: number): T {
    if (this.failure) throw this.failure;
    const savedEffective = this.effectiveContext;
    const savedStop = this.stopForced;
    const savedError = this.lastModuleError;
    this.effectiveContext = context;
    this.stopForced = false;
    this.lastModuleError = undefined;
    if (this.depth === 0 && this.runawayMs !== undefined) {
      this.outerStartedMs = coarseNowMs();
      this.outerCallback = callback;
    }
    this.depth++;
    const started = this.timeBudgetMs === undefined ? 0 : this.budgetNow();
    let result: T;
    let forced = false;
    try {
      // Arguments are passed through (not captured in a closure) so the per-request callbacks
      // allocate nothing here; a wasm export ignores the ones it does not declare.
      result = run(a, b, c);
    } catch (error) {
      this.failure = describeCallbackError(error, callback, this.compiled.sourceMap, this.lastModuleError);
      throw this.failure;
    } finally {
      this.depth--;
      forced = this.stopForced;
      this.lastCallForcedStop = forced;
      this.effectiveContext = savedEffective;
      this.stopForced = savedStop;
      this.lastModuleError = savedError;
    }
    this.checkLimits(callback, started);
    if (this.depth === 0 && this.pendingQueueReady.length) {
      const pending = this.pendingQueueReady;
      this.pendingQueueReady = [];
      for (const [root, queue] of pending) this.deliverQueueReady(root, queue);
      this.lastCallForcedStop = forced;
    }
    return result;
  }

  /** Called by an interruptible module every few thousand steps (interrupt.ts). */
  private checkRunaway(): void {
    if (this.runawayMs === undefined || this.depth === 0) return;
    const elapsed = coarseNowMs() - this.outerStartedMs;
    if (elapsed > this.runawayMs) throw new VmFailure("timeout", this.outerCallback, `still running after ${elapsed} ms, over the limit of ${this.runawayMs} ms; stopped`);
  }

  private checkLimits(callback: string, started: number): void {
    // Only a grown memory can break the cap; `grew()` answers without touching memory.buffer.
    const size = this.memory.grew() ? this.wasmMemory.buffer.byteLength : 0;
    if (size > this.maxMemoryBytes) {
      this.failure = new VmFailure("memory", callback, `linear memory grew to ${size} bytes, over the cap of ${this.maxMemoryBytes}`);
      throw this.failure;
    }
    if (this.timeBudgetMs !== undefined) {
      const elapsed = this.budgetNow() - started;
      if (elapsed > this.timeBudgetMs) {
        this.failure = new VmFailure("timeout", callback, `took ${elapsed.toFixed(1)} ms, over the budget of ${this.timeBudgetMs} ms`);
        throw this.failure;
      }
    }
  }

  /** Drops shared-data and queue registrations; the instance is garbage afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.sharedData.detach(this.vmId);
    this.queues.dropOwner(this);
  }
}
