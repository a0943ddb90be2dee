// gRPC callouts (proxy_grpc_call / _stream / _send / _cancel / _close) and the status of a
// failed call (proxy_get_status). Answers arrive on the calling context's onGrpcReceive*,
// onGrpcClose (BaseContext); read messages from grpcReceiveBuffer and metadata from
// grpcReceiveInitialMetadata / grpcReceiveTrailingMetadata.
import {
  proxy_get_status, proxy_grpc_call, proxy_grpc_cancel, proxy_grpc_close, proxy_grpc_send, proxy_grpc_stream,
} from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA, RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { HeaderPair, serializeHeaders } from "./headers";
import { reportUnexpected } from "./log";

/** Outcome of starting a gRPC call or stream: `ok` and the token, or the host's refusal. */
export class GrpcDispatch {
  constructor(public readonly status: WasmResult, public readonly token: u32) {}
  get ok(): bool { return this.status == WasmResult.Ok; }
}

/** Unary call `service/method` on cluster `upstream` with a serialized protobuf `message`. */
export function grpcCall(upstream: string, service: string, method: string, initialMetadata: HeaderPair[], message: ArrayBuffer, timeoutMs: u32): GrpcDispatch {
  const u = String.UTF8.encode(upstream);
  const s = String.UTF8.encode(service);
  const m = String.UTF8.encode(method);
  const md = serializeHeaders(initialMetadata);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_grpc_call(
    changetype<usize>(u), u.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    changetype<usize>(md), md.byteLength, changetype<usize>(message), message.byteLength, timeoutMs, RET_EXTRA);
  if (result != WasmResult.Ok && result != WasmResult.BadArgument) reportUnexpected("proxy_grpc_call(" + upstream + ")", result);
  return new GrpcDispatch(result, result == WasmResult.Ok ? load<u32>(RET_EXTRA) : 0);
}

/** Opens a stream; send messages with grpcSend(token, ...). */
export function grpcStream(upstream: string, service: string, method: string, initialMetadata: HeaderPair[]): GrpcDispatch {
  const u = String.UTF8.encode(upstream);
  const s = String.UTF8.encode(service);
  const m = String.UTF8.encode(method);
  const md = serializeHeaders(initialMetadata);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_grpc_stream(
    changetype<usize>(u), u.byteLength, changetype<usize>(s), s.byteLength, changetype<usize>(m), m.byteLength,
    changetype<usize>(md), md.byteLength, RET_EXTRA);
  if (result != WasmResult.Ok && result != WasmResult.BadArgument) reportUnexpected("proxy_grpc_stream(" + upstream + ")", result);
  return new GrpcDispatch(result, result == WasmResult.Ok ? load<u32>(RET_EXTRA) : 0);
}

export function grpcSend(token: u32, message: ArrayBuffer, endStream: bool): WasmResult {
  const result = <WasmResult>proxy_grpc_send(token, changetype<usize>(message), message.byteLength, endStream ? 1 : 0);
  if (result != WasmResult.Ok && result != WasmResult.NotFound) reportUnexpected("proxy_grpc_send", result);
  return result;
}

export function grpcCancel(token: u32): WasmResult {
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
