// proxy_send_local_response: answer the client directly instead of forwarding. Envoy forces the
// current callback's result to a stop, so returning Continue afterwards is harmless; returning
// StopIteration makes the intent obvious to readers.
import { proxy_send_local_response } from "./imports";
import { WasmResult } from "./enums";
import { HeaderPair, serializeHeaders } from "./headers";
import { reportUnexpected } from "./log";

/** gRPC status to send with a local response; NONE sends a plain HTTP response. */
export const GRPC_STATUS_NONE: i32 = -1;

/**
 * Sends `status` with a UTF-8 `body` and extra `headers`. `details` is Envoy's response code
 * details (shows in access logs as %RESPONSE_CODE_DETAILS%; no spaces).
 */
export function sendLocalResponse(status: u32, details: string, body: string, headers: HeaderPair[] = [], grpcStatus: i32 = GRPC_STATUS_NONE): bool {
  return sendLocalResponseBytes(status, details, String.UTF8.encode(body), headers, grpcStatus);
}

/** Like sendLocalResponse with a binary body. */
export function sendLocalResponseBytes(status: u32, details: string, body: ArrayBuffer, headers: HeaderPair[] = [], grpcStatus: i32 = GRPC_STATUS_NONE): bool {
  const detailBytes = String.UTF8.encode(details);
  const headerBytes = serializeHeaders(headers);
  const result = <WasmResult>proxy_send_local_response(
    status, changetype<usize>(detailBytes), detailBytes.byteLength, changetype<usize>(body), body.byteLength,
    changetype<usize>(headerBytes), headerBytes.byteLength, grpcStatus);
  if (result == WasmResult.Ok) return true;
  reportUnexpected("proxy_send_local_response", result);
  return false;
}
