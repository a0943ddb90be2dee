// HTTP and gRPC callout host functions (docs/proxy-wasm-abi.md: proxy_http_call, proxy_grpc_call,
// proxy_grpc_stream, proxy_grpc_send, proxy_grpc_cancel, proxy_grpc_close, proxy_get_status).
// Calls are recorded with a token; the embedder (or the test harness) performs them and
// delivers the answer to the calling context (proxy_on_http_call_response / proxy_on_grpc_*).
// Envoy's httpCall answers BadArgument for an unknown cluster and for headers lacking
// :method, :path or :authority (context.cc Context::httpCall).
import { WasmResult } from "../abi/enums.ts";
import { decodeHeaderMap } from "../abi/serialization.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

const REQUIRED_PSEUDO_HEADERS = [":method", ":path", ":authority"];

export function calloutImports(host: ImportHost) {
  return guarded({
    proxy_http_call(
      upstreamPtr: number, upstreamLen: number, headersPtr: number, headersLen: number,
      bodyPtr: number, bodyLen: number, trailersPtr: number, trailersLen: number,
      timeoutMs: number, retToken: number,
    ): number {
      const upstream = host.memory.string(upstreamPtr, upstreamLen, "http_call upstream");
      const headers = decodeHeaderMap(host.memory.view8(headersPtr, headersLen, "http_call headers"));
      const body = host.memory.copyBytes(bodyPtr, bodyLen, "http_call body");
      const trailers = decodeHeaderMap(host.memory.view8(trailersPtr, trailersLen, "http_call trailers"));
      host.memory.checkSlots(retToken);
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      if (host.knownUpstreams && !host.knownUpstreams.has(upstream)) return WasmResult.BadArgument;
      const names = new Set(headers.map(([k]) => k.toLowerCase()));
      if (!REQUIRED_PSEUDO_HEADERS.every((h) => names.has(h))) return WasmResult.BadArgument;
      const token = host.nextCalloutToken();
      host.httpCallouts.set(token, { token, contextId: context.id, upstream, headers, body, trailers, timeoutMs: timeoutMs >>> 0 });
      host.memory.writeU32(retToken, token);
      return WasmResult.Ok;
    },

    proxy_grpc_call(
      upstreamPtr: number, upstreamLen: number, servicePtr: number, serviceLen: number,
      methodPtr: number, methodLen: number, metadataPtr: number, metadataLen: number,
      messagePtr: number, messageLen: number, timeoutMs: number, retToken: number,
    ): number {
      const upstream = host.memory.string(upstreamPtr, upstreamLen, "grpc_call upstream");
      const service = host.memory.string(servicePtr, serviceLen, "grpc_call service");
      const method = host.memory.string(methodPtr, methodLen, "grpc_call method");
      const initialMetadata = decodeHeaderMap(host.memory.view8(metadataPtr, metadataLen, "grpc_call metadata"));
      const message = host.memory.copyBytes(messagePtr, messageLen, "grpc_call message");
      host.memory.checkSlots(retToken);
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      if (host.knownUpstreams && !host.knownUpstreams.has(upstream)) return WasmResult.BadArgument;
      const token = host.nextCalloutToken();
      host.grpcCalls.set(token, { token, contextId: context.id, upstream, service, method, initialMetadata, messages: [message], streaming: false, sendClosed: true, timeoutMs: timeoutMs >>> 0 });
      host.memory.writeU32(retToken, token);
      return WasmResult.Ok;
    },

    proxy_grpc_stream(
      upstreamPtr: number, upstreamLen: number, servicePtr: number, serviceLen: number,
      methodPtr: number, methodLen: number, metadataPtr: number, metadataLen: number, retToken: number,
    ): number {
      const upstream = host.memory.string(upstreamPtr, upstreamLen, "grpc_stream upstream");
      const service = host.memory.string(servicePtr, serviceLen, "grpc_stream service");
      const method = host.memory.string(methodPtr, methodLen, "grpc_stream method");
      const initialMetadata = decodeHeaderMap(host.memory.view8(metadataPtr, metadataLen, "grpc_stream metadata"));
      host.memory.checkSlots(retToken);
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      if (host.knownUpstreams && !host.knownUpstreams.has(upstream)) return WasmResult.BadArgument;
      const token = host.nextCalloutToken();
      host.grpcCalls.set(token, { token, contextId: context.id, upstream, service, method, initialMetadata, messages: [], streaming: true, sendClosed: false, timeoutMs: 0 });
      host.memory.writeU32(retToken, token);
      return WasmResult.Ok;
    },

    proxy_grpc_send(token: number, messagePtr: number, messageLen: number, endStream: number): number {
      const message = host.memory.copyBytes(messagePtr, messageLen, "grpc_send message");
      const call = host.grpcCalls.get(token >>> 0);
      if (!call) return WasmResult.NotFound;
      if (!call.streaming || call.sendClosed) return WasmResult.BadArgument;
      call.messages.push(message);
      call.sendClosed = endStream !== 0;
      return WasmResult.Ok;
    },

    proxy_grpc_cancel(token: number): number {
      return host.grpcCalls.delete(token >>> 0) ? WasmResult.Ok : WasmResult.NotFound;
    },

    proxy_grpc_close(token: number): number {
      return host.grpcCalls.delete(token >>> 0) ? WasmResult.Ok : WasmResult.NotFound;
    },

    proxy_get_status(retCode: number, retMsgPtrPtr: number, retMsgLenPtr: number): number {
      host.memory.checkSlots(retCode, retMsgPtrPtr, retMsgLenPtr);
      host.memory.writeU32(retCode, host.lastCallStatus.code);
      host.memory.returnBytes(new TextEncoder().encode(host.lastCallStatus.message), retMsgPtrPtr, retMsgLenPtr);
      return WasmResult.Ok;
    },
  });
}
