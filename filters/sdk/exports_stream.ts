// The stream callbacks a filter may leave out: request body and trailers, response headers,
// body and trailers, proxy_on_log and proxy_on_done. exports.ts exports them all (the SDK's
// defaults then answer Continue / true); a filter that overrides only some of them can export
// exports_base.ts plus those, so the host does not call into the module for the rest (cpp-host
// calls a callback only when the module exports it; an absent proxy_on_done counts as true).
// Bracketed by enterCallback/leaveCallback like every callback (gc.ts, exports_base.ts).
import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus } from "./enums";
import { getContext, getHttpContext, getRootContext } from "./dispatcher";
import { enterCallback, leaveCallback } from "./gc";

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus { enterCallback(); const result = onRequestBody(contextId, bodySize, endOfStream); leaveCallback(); return result; }
function onRequestBody(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onRequestBody(bodySize, endOfStream != 0) : FilterDataStatus.Continue;
}

export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): FilterTrailersStatus { enterCallback(); const result = onRequestTrailers(contextId, numTrailers); leaveCallback(); return result; }
function onRequestTrailers(contextId: u32, numTrailers: u32): FilterTrailersStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onRequestTrailers(numTrailers) : FilterTrailersStatus.Continue;
}

export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: u32): FilterHeadersStatus { enterCallback(); const result = onResponseHeaders(contextId, numHeaders, endOfStream); leaveCallback(); return result; }
function onResponseHeaders(contextId: u32, numHeaders: u32, endOfStream: u32): FilterHeadersStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onResponseHeaders(numHeaders, endOfStream != 0) : FilterHeadersStatus.Continue;
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus { enterCallback(); const result = onResponseBody(contextId, bodySize, endOfStream); leaveCallback(); return result; }
function onResponseBody(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onResponseBody(bodySize, endOfStream != 0) : FilterDataStatus.Continue;
}

export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): FilterTrailersStatus { enterCallback(); const result = onResponseTrailers(contextId, numTrailers); leaveCallback(); return result; }
function onResponseTrailers(contextId: u32, numTrailers: u32): FilterTrailersStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onResponseTrailers(numTrailers) : FilterTrailersStatus.Continue;
}

export function proxy_on_log(contextId: u32): void { enterCallback(); onLog(contextId); leaveCallback(); }
function onLog(contextId: u32): void {
  const http = getHttpContext(contextId);
  if (http !== null) { http.onLog(); return; }
  const root = getRootContext(contextId);
  if (root !== null) root.onLog();
}

export function proxy_on_done(contextId: u32): bool { enterCallback(); const result = onDone(contextId); leaveCallback(); return result; }
function onDone(contextId: u32): bool {
  const context = getContext(contextId);
  return context !== null ? context.onDone() : true;
}
