// Stream and context control (docs/proxy-wasm-abi.md: proxy_continue_stream, proxy_close_stream,
// proxy_send_local_response, proxy_set_effective_context, proxy_done,
// proxy_call_foreign_function). Statuses as Envoy's context.cc continueStream/closeStream and
// cpp-host exports.cc: a type past Upstream is BadArgument; the HTTP types are Ok on any
// context (a root context has no stream to act on); continuing Upstream is Unimplemented. A
// continue on either HTTP direction drops the request's maps (context.cc clears
// request_headers_ and the rest after the switch). proxy_send_local_response is always Ok
// and always makes the running callback stop (cpp-host stopNextIteration); the reply itself
// only exists on an HTTP stream. continue/close are recorded for the embedder to act on.
import { StreamType, WasmResult } from "../abi/enums.ts";
import { decodeHeaderMapOrEmpty } from "../abi/serialization.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

function streamEvent(host: ImportHost, event: "continue" | "close", streamType: number): number {
  if (streamType >>> 0 > StreamType.Upstream) return WasmResult.BadArgument;
  if (streamType === StreamType.Downstream) return WasmResult.Ok;
  if (streamType === StreamType.Upstream) return event === "continue" ? WasmResult.Unimplemented : WasmResult.Ok;
  const context = host.effective();
  if (context?.kind !== "http") return WasmResult.Ok;
  context.recordStreamEvent({ event, streamType });
  if (event === "continue") {
    context.requestHeadersOpen = false;
    context.requestTrailersOpen = false;
  }
  return WasmResult.Ok;
}

export function streamImports(host: ImportHost) {
  return guarded({
    proxy_continue_stream(streamType: number): number {
      return streamEvent(host, "continue", streamType);
    },

    proxy_close_stream(streamType: number): number {
      return streamEvent(host, "close", streamType);
    },

    proxy_send_local_response(
      statusCode: number, detailsPtr: number, detailsLen: number, bodyPtr: number, bodyLen: number,
      headersPtr: number, headersLen: number, grpcStatus: number,
    ): number {
      const details = host.memory.string(detailsPtr, detailsLen, "local response details");
      const body = host.memory.copyBytes(bodyPtr, bodyLen, "local response body");
      const headers = decodeHeaderMapOrEmpty(host.memory.view8(headersPtr, headersLen, "local response headers"));
      const context = host.effective();
      host.forceStop();
      if (context?.kind !== "http") return WasmResult.Ok;
      context.localResponse = {
        statusCode,
        details,
        body,
        headers: headers.map(([k, v]) => [k.toLowerCase(), v]),
        grpcStatus: grpcStatus | 0,
      };
      return WasmResult.Ok;
    },

    proxy_set_effective_context(contextId: number): number {
      return host.setEffective(contextId >>> 0) ? WasmResult.Ok : WasmResult.BadArgument;
    },

    proxy_done(): number {
      const context = host.effective();
      if (!context || !context.donePending) return WasmResult.NotFound;
      context.donePending = false;
      return WasmResult.Ok;
    },

    proxy_call_foreign_function(namePtr: number, nameLen: number, argsPtr: number, argsLen: number, retPtrPtr: number, retLenPtr: number): number {
      const name = host.memory.string(namePtr, nameLen, "foreign function name");
      const args = host.memory.copyBytes(argsPtr, argsLen, "foreign function args");
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      const fn = host.foreignFunctions.get(name);
      if (!fn) return WasmResult.NotFound;
      const result = fn(args, host) ?? new Uint8Array(0);
      host.memory.returnBytes(result, retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },
  });
}
