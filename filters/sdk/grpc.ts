// gRPC callouts (proxy_grpc_call / _stream / _send / _cancel / _close) and the status of a
// failed call (proxy_get_status). Envoy owns gRPC calls on the caller's root context and answers
// there (cpp-host exports.cc registers them on `root_context()`), as it does HTTP callouts; the
// SDK finds the context passed as `from` by token, makes it effective and calls its
// onGrpcReceiveInitialMetadata / onGrpcReceive / onGrpcReceiveTrailingMetadata / onGrpcClose
// (BaseContext), as the Rust SDK does; without `from` the root context gets them. Read messages
// from grpcReceiveBuffer and metadata from grpcReceiveInitialMetadata / TrailingMetadata.
import {
  proxy_get_status, proxy_grpc_call, proxy_grpc_cancel, proxy_grpc_close, proxy_grpc_send, proxy_grpc_stream,
} from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA, RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { HeaderPair, serializeHeaders } from "./headers";
import { reportUnexpected } from "./log";
import { BaseContext } from "./context";

/** token -> id of the context that started the call or stream (`from`). */
const callers = new Map<u32, u32>();

function started(result: WasmResult, from: BaseContext | null): GrpcDispatch {
  const token = result == WasmResult.Ok ? load<u32>(RET_EXTRA) : 0;
  if (result == WasmResult.Ok && from !== null) callers.set(token, from.contextId);
  return new GrpcDispatch(result, token);
}

/** The context a gRPC answer with `token` goes to: its `from`, else `fallback` (the root). */
export function grpcCaller(token: u32, fallback: u32): u32 {
  return callers.has(token) ? callers.get(token) : fallback;
}

/** The call is over (closed, cancelled) or its context was deleted: no answer goes to it any more. */
export function forgetGrpcCall(token: u32): void {
  if (callers.has(token)) callers.delete(token);
}

/** Drops the calls of a deleted context; their later answers reach the root context. */
export function forgetGrpcCalls(contextId: u32): void {
  if (callers.size == 0) return;
  const tokens = callers.keys();
  for (let i = 0; i < tokens.length; i++) {
    if (callers.get(tokens[i]) == contextId) callers.delete(tokens[i]);
  }
}

/** Outcome of starting a gRPC call or stream: `ok` and the token, or the host's refusal. */
export class GrpcDispatch {
  constructor(public readonly status: WasmResult, public readonly token: u32) {}
  get ok(): bool { return this.status == WasmResult.Ok; }
}

/** Unary call `service/method` on cluster `upstream` with a serialized protobuf `message`; answers go to `from`. */
export function grpcCall(upstream: string, service: string, method: string, initialMetadata: HeaderPair[], message: ArrayBuffer, timeoutMs: u32, from: BaseContext | null = null): GrpcDispatch {
  const u = String.UTF8.encode(upstream);
  const s = String.UTF8.encode(service);
  const m = String.UTF8.encode(method);
  const md = serializeHeaders(initialMetadata);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_grpc_call(
    changetype<usize>(u), u.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    changetype<usize>(md), md.byteLength, changetype<usize>(message), message.byteLength, timeoutMs, RET_EXTRA);
  if (result != WasmResult.Ok && result != WasmResult.BadArgument) reportUnexpected("proxy_grpc_call(" + upstream + ")", result);
  return started(result, from);
}

/** Opens a stream; send messages with grpcSend(token, ...); answers go to `from`. */
export function grpcStream(upstream: string, service: string, method: string, initialMetadata: HeaderPair[], from: BaseContext | null = null): GrpcDispatch {
  const u = String.UTF8.encode(upstream);
  const s = String.UTF8.encode(service);
  const m = String.UTF8.encode(method);
  const md = serializeHeaders(initialMetadata);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_grpc_stream(
    changetype<usize>(u), u.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    changetype<usize>(md), md.byteLength, RET_EXTRA);
  if (result != WasmResult.Ok && result != WasmResult.BadArgument) reportUnexpected("proxy_grpc_stream(" + upstream + ")", result);
  return started(result, from);
}

export function grpcSend(token: u32, message: ArrayBuffer, endStream: bool): WasmResult {
  const result = <WasmResult>proxy_grpc_send(token, changetype<usize>(message), message.byteLength, endStream ? 1 : 0);
  if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_grpc_send", result);
  return result;
}

/** Cancels a call or stream; no answer comes after it (cpp-host). */
export function grpcCancel(token: u32): WasmResult {
  forgetGrpcCall(token);
  const result = <WasmResult>proxy_grpc_cancel(token);
  if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_grpc_cancel", result);
  return result;
}

export function grpcClose(token: u32): WasmResult {
  const result = <WasmResult>proxy_grpc_close(token);
  if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_grpc_close", result);
  return result;
}

/** gRPC status code and message of the call that just closed or failed. */
export class CallStatus {
  constructor(public readonly code: u32, public readonly message: string) {}
}

export function getStatus(): CallStatus {
  clearResultSlots();
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_status(RET_EXTRA, RET_PTR, RET_LEN);
  if (result != WasmResult.Ok) {
    reportUnexpected("proxy_get_status", result);
    return new CallStatus(2 /* UNKNOWN */, "");
  }
  const code = load<u32>(RET_EXTRA);
  return new CallStatus(code, String.UTF8.decode(takeHostBytes()));
}
