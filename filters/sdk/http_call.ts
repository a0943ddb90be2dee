// HTTP callouts (proxy_http_call). The request goes to an Envoy cluster (`upstream`) and must
// carry :method, :path and :authority (else BadArgument). The answer arrives later through
// proxy_on_http_call_response on the root context (Envoy owns the call there); the SDK finds the
// context that made the call by token, makes it effective again and calls the per-call
// callback given here, or the context's onHttpCallResponse when none was given. A filter
// usually returns StopIteration from onRequestHeaders after dispatching, then continueRequest()
// or sendLocalResponse() in the callback.
import { proxy_http_call } from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA } from "./memory";
import { HeaderPair, httpCallResponseHeaders, httpCallResponseTrailers, serializeHeaders } from "./headers";
import { httpCallResponseBody } from "./buffers";
import { BaseContext } from "./context";
import { reportUnexpected } from "./log";

/** The answer to a callout, read lazily from the host (valid only inside the callback). */
export class HttpCallResponse {
  constructor(public readonly token: u32, public readonly numHeaders: u32, public readonly bodySize: u32, public readonly numTrailers: u32) {}
  /** True when the callout produced no response (connection failure, timeout, reset). */
  get failed(): bool { return this.numHeaders == 0; }
  /** The `:status` pseudo-header as a number, 0 when failed or unparsable. */
  get status(): u32 {
    const value = httpCallResponseHeaders.get(":status");
    if (value === null) return 0;
    const parsed = I32.parseInt(value, 10);
    return parsed > 0 ? <u32>parsed : 0;
  }
  header(name: string): string | null { return httpCallResponseHeaders.get(name); }
  headers(): HeaderPair[] { return httpCallResponseHeaders.all(); }
  trailers(): HeaderPair[] { return httpCallResponseTrailers.all(); }
  body(): ArrayBuffer {
    if (this.bodySize == 0) return new ArrayBuffer(0);
    const bytes = httpCallResponseBody.get(0, this.bodySize);
    return bytes !== null ? bytes : new ArrayBuffer(0);
  }
  bodyString(): string { return String.UTF8.decode(this.body()); }
}

/** Called with the context that dispatched the call; cast it to your class (`ctx as MyContext`). */
export type HttpCallCallback = (context: BaseContext, response: HttpCallResponse) => void;

class PendingHttpCall {
  constructor(public contextId: u32, public callback: HttpCallCallback | null) {}
}

const pendingCalls = new Map<u32, PendingHttpCall>();

/** Outcome of dispatchHttpCall: `ok` and the token, or the host's refusal. */
export class HttpCallDispatch {
  constructor(public readonly status: WasmResult, public readonly token: u32) {}
  get ok(): bool { return this.status == WasmResult.Ok; }
}

/**
 * Sends an HTTP request to cluster `upstream`. `headers` must include :method, :path and
 * :authority. BadArgument (unknown cluster, missing pseudo-headers) is returned, not logged, so
 * the filter can decide how to fail; other statuses are also logged.
 */
export function dispatchHttpCall(
  upstream: string, headers: HeaderPair[], body: ArrayBuffer | null, trailers: HeaderPair[],
  timeoutMs: u32, from: BaseContext, callback: HttpCallCallback | null = null,
): HttpCallDispatch {
  const upstreamBytes = String.UTF8.encode(upstream);
  const headerBytes = serializeHeaders(headers);
  const trailerBytes = serializeHeaders(trailers);
  const bodyPtr = body !== null ? changetype<usize>(body) : 0;
  const bodyLen = body !== null ? body.byteLength : 0;
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_http_call(
    changetype<usize>(upstreamBytes), upstreamBytes.byteLength, changetype<usize>(headerBytes), headerBytes.byteLength,
    bodyPtr, bodyLen, changetype<usize>(trailerBytes), trailerBytes.byteLength, timeoutMs, RET_EXTRA);
  if (result != WasmResult.Ok) {
    if (result != WasmResult.BadArgument) reportUnexpected("proxy_http_call(" + upstream + ")", result);
    return new HttpCallDispatch(result, 0);
  }
  const token = load<u32>(RET_EXTRA);
  pendingCalls.set(token, new PendingHttpCall(from.contextId, callback));
  return new HttpCallDispatch(WasmResult.Ok, token);
}

/** The context that dispatched callout `token` (`fallback` for a token this SDK did not issue). */
export function httpCallCaller(token: u32, fallback: u32): u32 {
  return pendingCalls.has(token) ? pendingCalls.get(token).contextId : fallback;
}

/** Routes proxy_on_http_call_response (exports.ts) to the callback or the context method. */
export function deliverHttpCallResponse(context: BaseContext, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  let callback: HttpCallCallback | null = null;
  if (pendingCalls.has(token)) {
    callback = pendingCalls.get(token).callback;
    pendingCalls.delete(token);
  }
  if (callback !== null) {
    callback(context, new HttpCallResponse(token, numHeaders, bodySize, numTrailers));
  } else {
    context.onHttpCallResponse(token, numHeaders, bodySize, numTrailers);
  }
}

/** Drops callouts of a deleted context (Envoy cancels them; no answer will come). */
export function forgetHttpCalls(contextId: u32): void {
  if (pendingCalls.size == 0) return;
  const tokens = pendingCalls.keys();
  for (let i = 0; i < tokens.length; i++) {
    if (pendingCalls.get(tokens[i]).contextId == contextId) pendingCalls.delete(tokens[i]);
  }
}

/** Number of callouts awaiting an answer (for tests and diagnostics). */
export function pendingHttpCallCount(): i32 {
  return pendingCalls.size;
}
