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
import { DataAction, HeadersAction, LogLevel, LOG_LEVEL_NAMES, TrailersAction, type LogLevelName } from "../runtime/abi/enums.ts";
import type { HeaderPairs } from "../runtime/abi/serialization.ts";
import { FakeClock } from "../runtime/clock.ts";
import type { GrpcCall, HttpCallout, HttpStreamState, LocalResponse, StreamEvent } from "../runtime/contexts.ts";
import type { VmFailure } from "../runtime/failure.ts";
import { EmulatorOptions } from "./emulator-options.ts";
import type { Metric } from "../runtime/metrics.ts";
import { encodeProperty, propertyKey, type PropertyInput, type PropertySource } from "../runtime/properties.ts";
import { ProxyWasmPlugin } from "../runtime/plugin.ts";
import type { LogEntry } from "../runtime/vm.ts";

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
  /**
   * Set while the headers callback of that direction stopped and the module has not continued
   * it: Envoy turns every header stop into StopAllIterationAndWatermark (cpp-host
   * convertVmCallResultToFilterHeadersStatus), so body chunks wait, whole, until
   * proxy_continue_stream. `events` is how many stream events the stream had when it stopped.
   */
  requestHeld: HeldBody | null;
  responseHeld: HeldBody | null;
}

interface HeldBody {
  events: number;
  chunks: Uint8Array[];
  endOfStream: boolean;
}

function held(state: HttpStreamState, action: number): HeldBody | null {
  return action === HeadersAction.Continue || state.localResponse ? null : { events: state.streamEvents.length, chunks: [], endOfStream: false };
}

function joined(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
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
        runawayMs: options.runawayMs,
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

  /**
   * Creates an HTTP stream context (proxy_on_context_create(id, root)); returns its id.
   * `attributes` answers the stream's other properties as an embedder's stream info does, asked
   * on every read (so a test can see which properties a filter reads, and how often).
   */
  initializeHttpContext(properties: Record<string, PropertyInput> = {}, attributes?: PropertySource): number {
    const state = this.plugin.newStream();
    if (attributes) state.attributes = attributes;
    for (const [path, value] of Object.entries(properties)) state.properties.set(propertyKey(path), encodeProperty(value));
    this.streams.set(state.id, { state, requestBuffering: false, responseBuffering: false, requestHeld: null, responseHeld: null });
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

  /**
   * A local reply sent from a request callback goes through the module's own response
   * callbacks, as Envoy's encoder chain runs them (dispatcher encodeLocalReply).
   */
  private afterRequestCallback(record: StreamRecord, action: number): number {
    if (record.state.localResponse && !record.state.localResponse.encoded) {
      this.plugin.guard(record.state, () => this.dispatcher().encodeLocalReply(record.state), () => undefined);
    }
    return action;
  }

  /**
   * The module's answer (the SDKs' proxytest hands it back as is). Envoy acts on every stop as
   * StopAllIterationAndWatermark: body chunks given while the headers are held reach the
   * module only after proxy_continue_stream, in one piece (see HeldBody).
   */
  callOnRequestHeaders(id: number, headers: Headers, endOfStream: boolean): number {
    const record = this.stream(id);
    // A stream no VM runs (the filter skipped or failed) passes what it is given through.
    if (!this.plugin.owns(record.state)) record.state.requestHeaders = pairs(headers).map(([k, v]) => [k.toLowerCase(), v]);
    const action = this.run(record, () => this.dispatcher().requestHeaders(record.state, pairs(headers), endOfStream), HeadersAction.Continue, HeadersAction.StopIteration);
    record.requestHeld = held(record.state, action);
    return this.afterRequestCallback(record, action);
  }

  /** While the request headers are held the chunk waits (StopIterationAndWatermark, module not called). */
  callOnRequestBody(id: number, data: string | Uint8Array, endOfStream: boolean): number {
    const record = this.stream(id);
    if (record.requestHeld) {
      record.requestHeld.chunks.push(body(data));
      record.requestHeld.endOfStream = endOfStream;
      return this.releaseHeld(record, "request") ?? DataAction.StopIterationAndWatermark;
    }
    return this.requestBody(record, body(data), endOfStream);
  }

  private requestBody(record: StreamRecord, data: Uint8Array, endOfStream: boolean): number {
    if (!this.plugin.owns(record.state)) record.state.requestBody = data;
    const action = this.run(record, () => this.dispatcher().requestBody(record.state, data, endOfStream, record.requestBuffering), DataAction.Continue, DataAction.StopIterationNoBuffer);
    record.requestBuffering = action === DataAction.StopIterationAndBuffer || action === DataAction.StopIterationAndWatermark;
    return this.afterRequestCallback(record, action);
  }

  private responseBody(record: StreamRecord, data: Uint8Array, endOfStream: boolean): number {
    if (!this.plugin.owns(record.state)) record.state.responseBody = data;
    const action = this.run(record, () => this.dispatcher().responseBody(record.state, data, endOfStream, record.responseBuffering), DataAction.Continue, DataAction.StopIterationNoBuffer);
    record.responseBuffering = action === DataAction.StopIterationAndBuffer || action === DataAction.StopIterationAndWatermark;
    return action;
  }

  /** Delivers held body chunks once the module continued that direction; their action, or undefined. */
  private releaseHeld(record: StreamRecord, direction: "request" | "response"): number | undefined {
    const hold = direction === "request" ? record.requestHeld : record.responseHeld;
    if (!hold) return undefined;
    const type = direction === "request" ? 0 : 1;
    const continued = record.state.streamEvents.slice(hold.events).some((e) => e.event === "continue" && e.streamType === type);
    if (!continued) return undefined;
    if (direction === "request") record.requestHeld = null;
    else record.responseHeld = null;
    if (hold.chunks.length === 0) return undefined;
    const data = joined(hold.chunks);
    return direction === "request" ? this.requestBody(record, data, hold.endOfStream) : this.responseBody(record, data, hold.endOfStream);
  }

  callOnRequestTrailers(id: number, trailers: Headers): number {
    const record = this.stream(id);
    const action = this.run(record, () => this.dispatcher().requestTrailers(record.state, pairs(trailers)), TrailersAction.Continue, TrailersAction.StopIteration);
    return this.afterRequestCallback(record, action);
  }

  callOnResponseHeaders(id: number, headers: Headers, endOfStream: boolean): number {
    const record = this.stream(id);
    if (!this.plugin.owns(record.state)) record.state.responseHeaders = pairs(headers).map(([k, v]) => [k.toLowerCase(), v]);
    const action = this.run(record, () => this.dispatcher().responseHeaders(record.state, pairs(headers), endOfStream), HeadersAction.Continue, HeadersAction.StopIteration);
    record.responseHeld = held(record.state, action);
    return action;
  }

  /** While the response headers are held the chunk waits, as for the request. */
  callOnResponseBody(id: number, data: string | Uint8Array, endOfStream: boolean): number {
    const record = this.stream(id);
    if (record.responseHeld) {
      record.responseHeld.chunks.push(body(data));
      record.responseHeld.endOfStream = endOfStream;
      return this.releaseHeld(record, "response") ?? DataAction.StopIterationAndWatermark;
    }
    return this.responseBody(record, body(data), endOfStream);
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
    if (!record) return;
    this.afterRequestCallback(record, 0);
    this.releaseHeld(record, "request");
    this.releaseHeld(record, "response");
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
