// Context lifecycles on one VM (docs/proxy-wasm-abi.md "Order of calls"), in the shape of the SDK dispatchers
// (Rust dispatcher.rs: one map from context id to context): root contexts are created, started
// (proxy_on_vm_start) and configured (proxy_on_configure); HTTP streams are created under a
// root and walk request headers -> body -> trailers -> response headers -> body -> trailers ->
// proxy_on_log -> proxy_on_done -> proxy_on_delete. Callout answers go to the root context of the
// stream that made them, as in Envoy. Callbacks a module does not export behave as their SDK
// defaults (Continue/true).
import { DataAction, HeadersAction, TrailersAction } from "./abi/enums.ts";
import type { HeaderPairs } from "./abi/serialization.ts";
import { HttpStreamState, RootContextState, rootOf } from "./contexts.ts";
import type { ProxyWasmVm } from "./vm.ts";

export class PluginStartError extends Error {
  constructor(readonly stage: "proxy_on_vm_start" | "proxy_on_configure", readonly rootId: string) {
    super(`plugin root_id "${rootId}": ${stage} returned false`);
    this.name = "PluginStartError";
  }
}

export interface RootSpec {
  rootId: string;
  pluginName: string;
  configuration: Uint8Array;
}

type Fn = (...args: number[]) => number;

/**
 * The host's own copy of a header list, names lower-cased as Envoy stores them. Host functions
 * never mutate a pair in place (they replace or splice), so when every name is already
 * lower-case a shallow copy is enough — the common case, and one allocation instead of N.
 */
function lowerCased(headers: HeaderPairs): HeaderPairs {
  for (let i = 0; i < headers.length; i++) {
    if (hasUpperCase(headers[i]![0])) return headers.map(([k, v]) => [k.toLowerCase(), v]);
  }
  return headers.slice();
}

/** A char-code scan: cheaper than comparing with toLowerCase(), which builds a new string. */
function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return true;
  }
  return false;
}

function concat(a: Uint8Array | null, b: Uint8Array): Uint8Array {
  if (!a || a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class ContextDispatcher {
  /** Exported callbacks by name, copied once: a Map lookup beats a keyed load on the exports object. */
  private readonly fns = new Map<string, Fn>();

  private readonly onContextCreate: Fn | undefined;
  private readonly onRequestHeaders: Fn | undefined;
  private readonly onRequestBody: Fn | undefined;
  private readonly onResponseHeaders: Fn | undefined;
  private readonly onResponseBody: Fn | undefined;
  private readonly onLog: Fn | undefined;
  private readonly onDone: Fn | undefined;
  private readonly onDelete: Fn | undefined;

  constructor(readonly vm: ProxyWasmVm) {
    for (const [name, value] of Object.entries(vm.exports)) {
      if (typeof value === "function") this.fns.set(name, value as Fn);
    }
    this.onContextCreate = this.fns.get("proxy_on_context_create");
    this.onRequestHeaders = this.fns.get("proxy_on_request_headers");
    this.onRequestBody = this.fns.get("proxy_on_request_body");
    this.onResponseHeaders = this.fns.get("proxy_on_response_headers");
    this.onResponseBody = this.fns.get("proxy_on_response_body");
    this.onLog = this.fns.get("proxy_on_log");
    this.onDone = this.fns.get("proxy_on_done");
    this.onDelete = this.fns.get("proxy_on_delete");
  }

  private call(name: string, context: RootContextState | HttpStreamState, ...args: number[]): number | undefined {
    const fn = this.fns.get(name);
    if (!fn) return undefined;
    return this.vm.invoke(name, context, () => fn(...args));
  }

  /**
   * The per-request callbacks: export looked up once, no rest/spread, `undefined` when the
   * module does not export it (the caller then applies the SDK default).
   */
  private callHot(fn: Fn | undefined, name: string, context: HttpStreamState, a: number, b?: number, c?: number): number | undefined {
    return fn === undefined ? undefined : this.vm.invoke(name, context, fn, a, b, c);
  }

  /** Creates, starts and configures a root context; throws PluginStartError on `false`. */
  startRoot(spec: RootSpec): RootContextState {
    const root = new RootContextState(this.vm.takeContextId(), spec.rootId, spec.pluginName, this.vm.vmConfiguration, spec.configuration);
    this.vm.contexts.set(root);
    this.call("proxy_on_context_create", root, root.id, 0);
    this.vm.callbackData = { vmConfiguration: root.vmConfiguration };
    try {
      if (this.call("proxy_on_vm_start", root, root.id, root.vmConfiguration.length) === 0) throw new PluginStartError("proxy_on_vm_start", spec.rootId);
      this.vm.callbackData = { pluginConfiguration: root.pluginConfiguration };
      if (this.call("proxy_on_configure", root, root.id, root.pluginConfiguration.length) === 0) throw new PluginStartError("proxy_on_configure", spec.rootId);
    } finally {
      this.vm.callbackData = {};
    }
    return root;
  }

  /** proxy_validate_configuration: false when the module rejects `configuration`. */
  validateConfiguration(root: RootContextState, configuration: Uint8Array): boolean {
    this.vm.callbackData = { pluginConfiguration: configuration };
    try {
      return this.call("proxy_validate_configuration", root, root.id, configuration.length) !== 0;
    } finally {
      this.vm.callbackData = {};
    }
  }

  createHttpStream(root: RootContextState): HttpStreamState {
    const stream = new HttpStreamState(this.vm.takeContextId(), root);
    stream.startNanos = this.vm.clock.unixNanos();
    this.vm.contexts.set(stream);
    this.callHot(this.onContextCreate, "proxy_on_context_create", stream, stream.id, root.id);
    return stream;
  }

  private forced(action: number | undefined, stop: number, fallback: number): number {
    if (this.vm.lastCallForcedStop) return stop;
    return action ?? fallback;
  }

  /**
   * The host works on its own copy of `headers` unless `inPlace`: then the caller hands over a
   * list whose names are already lower-case, and the module's edits land in it directly, as
   * Envoy's host functions edit the stream's header map (a filter chain saves a copy per filter).
   */
  requestHeaders(stream: HttpStreamState, headers: HeaderPairs, endOfStream: boolean, inPlace = false): number {
    stream.requestHeaders = inPlace ? headers : lowerCased(headers);
    stream.requestEndOfStream = endOfStream;
    stream.requestHeadersOpen = true;
    const action = this.forced(
      this.callHot(this.onRequestHeaders, "proxy_on_request_headers", stream, stream.id, headers.length, endOfStream ? 1 : 0),
      HeadersAction.StopIteration, HeadersAction.Continue);
    // Envoy's Context::decodeHeaders lets the map go once the filter continues.
    if (action === HeadersAction.Continue) stream.requestHeadersOpen = false;
    return action;
  }

  /** The body buffer accumulates while the previous call answered StopIterationAndBuffer. */
  requestBody(stream: HttpStreamState, chunk: Uint8Array, endOfStream: boolean, buffering: boolean): number {
    stream.requestBodyBytes += chunk.length;
    stream.requestBody = buffering ? concat(stream.requestBody, chunk) : chunk;
    stream.requestEndOfStream = endOfStream;
    const action = this.callHot(this.onRequestBody, "proxy_on_request_body", stream, stream.id, stream.requestBody.length, endOfStream ? 1 : 0);
    return this.forced(action, DataAction.StopIterationNoBuffer, DataAction.Continue);
  }

  requestTrailers(stream: HttpStreamState, trailers: HeaderPairs): number {
    stream.requestTrailers = lowerCased(trailers);
    stream.requestTrailersOpen = true;
    const action = this.forced(this.call("proxy_on_request_trailers", stream, stream.id, trailers.length), TrailersAction.StopIteration, TrailersAction.Continue);
    if (action === TrailersAction.Continue) stream.requestTrailersOpen = false;
    return action;
  }

  /** `inPlace` as for requestHeaders. */
  responseHeaders(stream: HttpStreamState, headers: HeaderPairs, endOfStream: boolean, inPlace = false): number {
    stream.responseHeaders = inPlace ? headers : lowerCased(headers);
    stream.responseEndOfStream = endOfStream;
    stream.responseHeadersOpen = true;
    const action = this.forced(
      this.callHot(this.onResponseHeaders, "proxy_on_response_headers", stream, stream.id, headers.length, endOfStream ? 1 : 0),
      HeadersAction.StopIteration, HeadersAction.Continue);
    if (action === HeadersAction.Continue) stream.responseHeadersOpen = false;
    return action;
  }

  /**
   * Envoy sends a local reply through the encoder filters, the sending filter included
   * (context.cc sendLocalResponse -> decoder_callbacks_->sendLocalReply): its
   * proxy_on_response_headers sees `:status`, the module's headers, and for a body
   * content-length and content-type text/plain (Http::Utility::sendLocalReply), then
   * proxy_on_response_body sees the body. What leaves the filter is kept in `encoded`.
   */
  encodeLocalReply(stream: HttpStreamState): void {
    const local = stream.localResponse;
    if (!local || local.encoded) return;
    const headers: HeaderPairs = [[":status", String(local.statusCode)], ...local.headers];
    if (local.body.length) {
      headers.push(["content-length", String(local.body.length)]);
      if (!headers.some(([k]) => k === "content-type")) headers.push(["content-type", "text/plain"]);
    }
    local.encoded = { headers, body: local.body };
    this.responseHeaders(stream, headers, local.body.length === 0);
    if (local.body.length) this.responseBody(stream, local.body, true, false);
    local.encoded = { headers: stream.responseHeaders ?? headers, body: stream.responseBody ?? local.body };
  }

  responseBody(stream: HttpStreamState, chunk: Uint8Array, endOfStream: boolean, buffering: boolean): number {
    stream.responseBodyBytes += chunk.length;
    stream.responseBody = buffering ? concat(stream.responseBody, chunk) : chunk;
    stream.responseEndOfStream = endOfStream;
    const action = this.callHot(this.onResponseBody, "proxy_on_response_body", stream, stream.id, stream.responseBody.length, endOfStream ? 1 : 0);
    return this.forced(action, DataAction.StopIterationNoBuffer, DataAction.Continue);
  }

  responseTrailers(stream: HttpStreamState, trailers: HeaderPairs): number {
    stream.responseTrailers = lowerCased(trailers);
    stream.responseTrailersOpen = true;
    const action = this.forced(this.call("proxy_on_response_trailers", stream, stream.id, trailers.length), TrailersAction.StopIteration, TrailersAction.Continue);
    if (action === TrailersAction.Continue) stream.responseTrailersOpen = false;
    return action;
  }

  /** proxy_on_log (the final headers readable, as Envoy's access-log phase), proxy_on_done, proxy_on_delete; the context id is then gone. */
  completeStream(stream: HttpStreamState): void {
    if (stream.completed) return;
    stream.completed = true;
    stream.accessLogPhase = true;
    try {
      this.callHot(this.onLog, "proxy_on_log", stream, stream.id);
    } finally {
      stream.accessLogPhase = false;
      stream.requestHeadersOpen = stream.requestTrailersOpen = stream.responseHeadersOpen = stream.responseTrailersOpen = false;
    }
    stream.donePending = this.callHot(this.onDone, "proxy_on_done", stream, stream.id) === 0;
    this.callHot(this.onDelete, "proxy_on_delete", stream, stream.id);
    this.vm.contexts.delete(stream.id);
    if (this.vm.httpCallouts.size) {
      for (const [token, callout] of this.vm.httpCallouts) if (callout.contextId === stream.id) this.vm.httpCallouts.delete(token);
    }
  }

  tick(root: RootContextState): void {
    this.call("proxy_on_tick", root, root.id);
  }

  /** Runs proxy_on_tick for every root whose period elapsed by `nowMs` (monotonic). */
  runDueTicks(nowMs: number): number {
    let fired = 0;
    for (const context of [...this.vm.contexts.rootContexts()]) {
      if (context.tickPeriodMs === 0 || context.nextTickAtMs > nowMs) continue;
      // Like Envoy's timer, a late tick fires once and the next one is a full period later.
      const next = context.nextTickAtMs + context.tickPeriodMs;
      context.nextTickAtMs = next > nowMs ? next : nowMs + context.tickPeriodMs;
      this.tick(context);
      fired++;
    }
    return fired;
  }

  /** Delivers an HTTP callout's answer (headers empty = the call failed, per the ABI). */
  httpCallResponse(token: number, headers: HeaderPairs, body: Uint8Array, trailers: HeaderPairs): void {
    const callout = this.vm.httpCallouts.get(token);
    if (!callout) throw new Error(`no pending HTTP callout with token ${token}`);
    this.vm.httpCallouts.delete(token);
    const context = this.vm.contexts.get(callout.contextId);
    if (!context) return;
    this.vm.callbackData = { httpCallResponse: { headers: lowerCased(headers), body, trailers: lowerCased(trailers) } };
    // cpp-host's proxy_http_call registers the call on the caller's root context (exports.cc:
    // `contextOrEffectiveContext()->root_context()`), so Envoy answers on the root's id with the
    // root current; the SDKs find the calling stream by token (the C++ and Go SDKs look the
    // callback up on that root) and make it effective themselves.
    const root = rootOf(context);
    try {
      this.call("proxy_on_http_call_response", root, root.id, token, headers.length, body.length, trailers.length);
    } finally {
      this.vm.callbackData = {};
    }
  }

  /** Delivers one gRPC message (GrpcReceiveBuffer) to the caller. */
  grpcReceive(token: number, message: Uint8Array): void {
    const call = this.vm.grpcCalls.get(token);
    if (!call) throw new Error(`no pending gRPC call with token ${token}`);
    const context = this.vm.contexts.get(call.contextId);
    if (!context) return;
    this.vm.callbackData = { grpcMessage: message };
    const root = rootOf(context); // gRPC calls belong to the root too, as HTTP callouts
    try {
      this.call("proxy_on_grpc_receive", root, root.id, token, message.length);
    } finally {
      this.vm.callbackData = {};
    }
  }

  /** Ends a gRPC call with `status` (0 = OK); proxy_get_status then reports it. */
  grpcClose(token: number, status: number, message = ""): void {
    const call = this.vm.grpcCalls.get(token);
    if (!call) throw new Error(`no pending gRPC call with token ${token}`);
    this.vm.grpcCalls.delete(token);
    const context = this.vm.contexts.get(call.contextId);
    if (!context) return;
    this.vm.lastCallStatus = { code: status, message };
    const root = rootOf(context);
    this.call("proxy_on_grpc_close", root, root.id, token, status);
  }

  /** proxy_on_foreign_function with `args` readable as the CallData buffer. */
  foreignFunction(root: RootContextState, functionId: number, args: Uint8Array): void {
    this.vm.callbackData = { callData: args };
    try {
      this.call("proxy_on_foreign_function", root, root.id, functionId, args.length);
    } finally {
      this.vm.callbackData = {};
    }
  }
}
