// The test harness filter authors use, shaped like the Go SDK's proxytest.HostEmulator:
//
//   const host = new HostEmulator(new EmulatorOptions().withWasm(path).withPluginConfiguration({...}));
//   host.startPlugin();
//   const id = host.initializeHttpContext();
//   expect(host.callOnRequestHeaders(id, { ":path": "/" }, false)).toBe(HeadersAction.Continue, HeadersAction.StopIteration);
//   host.completeHttpContext(id);
//
// It runs the real module through the real host (ProxyWasmPlugin -> ProxyWasmVm), so what a
// test sees is what the local data plane would do. A VM failure applies the failure policy and
// is listed by getFailures(); the next initializeHttpContext() runs on a fresh VM.
import { DataAction, HeadersAction, LogLevel, LOG_LEVEL_NAMES, TrailersAction, type LogLevelName } from "./abi/enums.ts";
import type { HeaderPairs } from "./abi/serialization.ts";
import { FakeClock } from "./clock.ts";
import type { GrpcCall, HttpCallout, HttpStreamState, LocalResponse, StreamEvent } from "./contexts.ts";
import type { VmFailure } from "./failure.ts";
import { EmulatorOptions } from "./emulator-options.ts";
import type { Metric } from "./metrics.ts";
import { encodeProperty, propertyKey, type PropertyInput } from "./properties.ts";
import { ProxyWasmPlugin } from "./plugin.ts";
import type { LogEntry } from "./vm.ts";

export type Headers = HeaderPairs | Record<string, string>;

function pairs(headers: Headers): HeaderPairs {
  return Array.isArray(headers) ? headers : Object.entries(headers);
}

function body(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

interface StreamRecord {
  state: HttpStreamState;
  requestBuffering: boolean;
  responseBuffering: boolean;
}

export class HostEmulator {
  readonly plugin: ProxyWasmPlugin;
  private readonly logs: LogEntry[] = [];
  private readonly streams = new Map<number, StreamRecord>();

  constructor(readonly options: EmulatorOptions) {
    if (!options.module) throw new Error("HostEmulator: options.withWasm(<path or compiled module>) is required");
    this.plugin = new ProxyWasmPlugin(options.module, {
      rootId: options.rootId,
      name: options.pluginName,
      configuration: options.pluginConfiguration,
      failurePolicy: options.failurePolicy,
      vm: {
        vmId: options.vmId,
        vmConfiguration: options.vmConfiguration,
        logLevel: options.logLevel,
        onLog: (entry) => this.logs.push(entry),
        clock: options.clock,
        properties: options.properties,
        sharedData: options.sharedData,
        queues: options.queues,
        metrics: options.metrics,
        knownUpstreams: options.upstreams,
        foreignFunctions: options.foreignFunctions,
        maxMemoryBytes: options.maxMemoryBytes,
        timeBudgetMs: options.timeBudgetMs,
      },
    });
  }

  /** Instantiates the module and runs proxy_on_context_create, proxy_on_vm_start, proxy_on_configure. */
  startPlugin(): void {
    this.plugin.start();
  }

  /** Root context id of the running plugin. */
  get rootContextId(): number {
    return this.plugin.healthy().root.id;
  }

  /** Creates an HTTP stream context (proxy_on_context_create(id, root)); returns its id. */
  initializeHttpContext(properties: Record<string, PropertyInput> = {}): number {
    const state = this.plugin.newStream();
    for (const [path, value] of Object.entries(properties)) state.properties.set(propertyKey(path), encodeProperty(value));
    this.streams.set(state.id, { state, requestBuffering: false, responseBuffering: false });
    return state.id;
  }

  private stream(id: number): StreamRecord {
    const record = this.streams.get(id);
    if (!record) throw new Error(`HostEmulator: no HTTP context ${id} (initializeHttpContext() creates one)`);
    return record;
  }

  /** Runs a callback of a live stream; a stream of a failed VM gets the failure policy's answer. */
  private run(record: StreamRecord, callback: () => number, proceed: number, stop: number): number {
    if (record.state.completed) throw new Error(`HostEmulator: HTTP context ${record.state.id} is already complete`);
    const onFailure = () => (this.plugin.failurePolicy === "fail-open" ? proceed : stop);
    return this.plugin.guard(record.state, callback, onFailure);
  }

  private dispatcher() {
    return this.plugin.dispatcher!;
  }

  callOnRequestHeaders(id: number, headers: Headers, endOfStream: boolean): number {
    const record = this.stream(id);
    return this.run(record, () => this.dispatcher().requestHeaders(record.state, pairs(headers), endOfStream), HeadersAction.Continue, HeadersAction.StopIteration);
  }

  callOnRequestBody(id: number, data: string | Uint8Array, endOfStream: boolean): number {
    const record = this.stream(id);
    const action = this.run(record, () => this.dispatcher().requestBody(record.state, body(data), endOfStream, record.requestBuffering), DataAction.Continue, DataAction.StopIterationNoBuffer);
    record.requestBuffering = action === DataAction.StopIterationAndBuffer || action === DataAction.StopIterationAndWatermark;
    return action;
  }

  callOnRequestTrailers(id: number, trailers: Headers): number {
    const record = this.stream(id);
    return this.run(record, () => this.dispatcher().requestTrailers(record.state, pairs(trailers)), TrailersAction.Continue, TrailersAction.StopIteration);
  }

  callOnResponseHeaders(id: number, headers: Headers, endOfStream: boolean): number {
    const record = this.stream(id);
    return this.run(record, () => this.dispatcher().responseHeaders(record.state, pairs(headers), endOfStream), HeadersAction.Continue, HeadersAction.StopIteration);
  }

  callOnResponseBody(id: number, data: string | Uint8Array, endOfStream: boolean): number {
    const record = this.stream(id);
    const action = this.run(record, () => this.dispatcher().responseBody(record.state, body(data), endOfStream, record.responseBuffering), DataAction.Continue, DataAction.StopIterationNoBuffer);
    record.responseBuffering = action === DataAction.StopIterationAndBuffer || action === DataAction.StopIterationAndWatermark;
    return action;
  }

  callOnResponseTrailers(id: number, trailers: Headers): number {
    const record = this.stream(id);
    return this.run(record, () => this.dispatcher().responseTrailers(record.state, pairs(trailers)), TrailersAction.Continue, TrailersAction.StopIteration);
  }

  /** proxy_on_log, proxy_on_done, proxy_on_delete. */
  completeHttpContext(id: number): void {
    const record = this.stream(id);
    this.run(record, () => (this.dispatcher().completeStream(record.state), 0), 0, 0);
    record.state.completed = true;
  }

  /**
   * Drops what the emulator remembers about a completed stream. Tests never need it; a
   * long-running embedder (isolated mode) does, or the records would pile up.
   */
  forgetHttpContext(id: number): void {
    const record = this.stream(id);
    if (!record.state.completed) throw new Error(`HostEmulator: HTTP context ${id} is not complete yet`);
    this.streams.delete(id);
  }

  getSentLocalResponse(id: number): LocalResponse | undefined {
    return this.stream(id).state.localResponse ?? undefined;
  }

  getCurrentRequestHeaders(id: number): HeaderPairs {
    return this.stream(id).state.requestHeaders ?? [];
  }

  getCurrentResponseHeaders(id: number): HeaderPairs {
    return this.stream(id).state.responseHeaders ?? [];
  }

  getCurrentRequestTrailers(id: number): HeaderPairs {
    return this.stream(id).state.requestTrailers ?? [];
  }

  getCurrentResponseTrailers(id: number): HeaderPairs {
    return this.stream(id).state.responseTrailers ?? [];
  }

  getCurrentRequestBody(id: number): Uint8Array {
    return this.stream(id).state.requestBody ?? new Uint8Array(0);
  }

  getCurrentResponseBody(id: number): Uint8Array {
    return this.stream(id).state.responseBody ?? new Uint8Array(0);
  }

  /** proxy_continue_stream / proxy_close_stream calls the module made on this stream. */
  getStreamEvents(id: number): readonly StreamEvent[] {
    return this.stream(id).state.streamEvents;
  }

  /** Pending HTTP callouts (proxy_http_call), oldest first. */
  getHttpCallouts(): HttpCallout[] {
    return [...(this.plugin.vm?.httpCallouts.values() ?? [])];
  }

  /** Answers a callout; empty headers mean the call failed (ABI: num_headers 0). */
  callOnHttpCallResponse(token: number, headers: Headers, data: string | Uint8Array = new Uint8Array(0), trailers: Headers = []): void {
    const callout = this.plugin.vm?.httpCallouts.get(token);
    const record = callout ? this.streams.get(callout.contextId) : undefined;
    this.plugin.guard(record?.state, () => this.dispatcher().httpCallResponse(token, pairs(headers), body(data), pairs(trailers)), () => undefined);
  }

  getGrpcCalls(): GrpcCall[] {
    return [...(this.plugin.vm?.grpcCalls.values() ?? [])];
  }

  callOnGrpcReceive(token: number, message: Uint8Array): void {
    this.plugin.guard(undefined, () => this.dispatcher().grpcReceive(token, message), () => undefined);
  }

  callOnGrpcClose(token: number, status: number, message = ""): void {
    this.plugin.guard(undefined, () => this.dispatcher().grpcClose(token, status, message), () => undefined);
  }

  /** proxy_on_tick on the plugin's root context, now (like proxytest Tick()). */
  tick(): void {
    const { dispatcher, root } = this.plugin.healthy();
    this.plugin.guard(undefined, () => dispatcher.tick(root), () => undefined);
  }

  /** The tick period the module set (0 = none). */
  getTickPeriod(): number {
    return this.plugin.healthy().root.tickPeriodMs;
  }

  /** Moves the FakeClock and fires every tick that fell due, in order; returns how many fired. */
  advanceTime(ms: number): number {
    const clock = this.options.clock;
    if (!(clock instanceof FakeClock)) throw new Error("HostEmulator.advanceTime needs the default FakeClock (withClock replaced it)");
    const { dispatcher, root } = this.plugin.healthy();
    const nowMs = () => Number(clock.monotonicNanos() / 1_000_000n);
    const target = nowMs() + ms;
    let fired = 0;
    while (root.tickPeriodMs > 0 && root.nextTickAtMs <= target && !this.plugin.vm?.failure) {
      clock.advance(Math.max(0, root.nextTickAtMs - nowMs()));
      fired += this.plugin.guard(undefined, () => dispatcher.runDueTicks(nowMs()), () => 0);
    }
    clock.advance(Math.max(0, target - nowMs()));
    return fired;
  }

  /** Log messages at exactly `level` (all levels when omitted). */
  getLogs(level?: number | LogLevelName): string[] {
    const wanted = typeof level === "string" ? LOG_LEVEL_NAMES.indexOf(level) : level;
    return this.logs.filter((e) => wanted === undefined || e.level === wanted).map((e) => e.message);
  }

  getLogEntries(): readonly LogEntry[] {
    return this.logs;
  }

  private metric(kind: Metric["kind"], name: string): Metric {
    const metric = this.options.metrics.find(kind, name);
    if (!metric) throw new Error(`HostEmulator: no ${kind} named "${name}" was defined (have: ${this.options.metrics.all().map((m) => `${m.kind} ${m.name}`).join(", ") || "none"})`);
    return metric;
  }

  getCounterMetric(name: string): bigint {
    return this.metric("counter", name).value;
  }

  getGaugeMetric(name: string): bigint {
    return this.metric("gauge", name).value;
  }

  getHistogramMetric(name: string): bigint[] {
    return [...this.metric("histogram", name).samples];
  }

  getSharedData(key: string): { value: Uint8Array; cas: number } | undefined {
    return this.options.sharedData.get(this.options.vmId, key);
  }

  /** VM failures so far (traps, budget or memory overruns), oldest first. */
  getFailures(): readonly VmFailure[] {
    return this.plugin.failures;
  }

  /** Calls proxy_on_foreign_function on the root context with `args` as CallData. */
  callOnForeignFunction(functionId: number, args: Uint8Array): void {
    const { dispatcher, root } = this.plugin.healthy();
    this.plugin.guard(undefined, () => dispatcher.foreignFunction(root, functionId, args), () => undefined);
  }

  dispose(): void {
    this.plugin.dispose();
  }
}

export { LogLevel };
