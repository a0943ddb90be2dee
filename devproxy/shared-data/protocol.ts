// Wire layout of the shared-data channels between the data plane's worker threads and the
// shared-data thread. Each worker owns one channel (a SharedArrayBuffer); a request is written
// into it, the server is woken through a common doorbell, and the worker blocks with
// Atomics.wait until the answer is there — so proxy_get/set_shared_data stay synchronous,
// as the ABI requires, while every worker sees one store (as Envoy's worker VMs with one
// vm_id do).
//
// ctrl (Int32Array over bytes 0..15): [0] state, [1] op, [2] result, [3] payload length
// payload (bytes 16..): u32 vmIdLen, u32 keyLen, u32 valueLen, u32 cas, vmId, key, value
export const STATE_IDLE = 0;
export const STATE_REQUEST = 1;
export const STATE_RESPONSE = 2;

export const OP_GET = 1;
export const OP_SET = 2;
export const OP_ATTACH = 3;
export const OP_DETACH = 4;

export const RESULT_OK = 0;
export const RESULT_NOT_FOUND = 1;
export const RESULT_CAS_MISMATCH = 2;
export const RESULT_TOO_LARGE = 3;

export const HEADER_BYTES = 16;
/** Largest key + value + vm id one request can carry. */
export const CHANNEL_PAYLOAD_BYTES = 1024 * 1024;

export interface Channel {
  buffer: SharedArrayBuffer;
}

export function newChannel(): Channel {
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + 16 + CHANNEL_PAYLOAD_BYTES) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes vmId/key/value/cas into a channel payload; returns the payload length or -1. */
export function writePayload(bytes: Uint8Array, vmId: string, key: string, value: Uint8Array, cas: number): number {
  const vm = encoder.encode(vmId);
  const k = encoder.encode(key);
  const total = 16 + vm.length + k.length + value.length;
  if (total > CHANNEL_PAYLOAD_BYTES) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES);
  view.setUint32(0, vm.length, true);
  view.setUint32(4, k.length, true);
  view.setUint32(8, value.length, true);
  view.setUint32(12, cas >>> 0, true);
  let at = HEADER_BYTES + 16;
  bytes.set(vm, at); at += vm.length;
  bytes.set(k, at); at += k.length;
  bytes.set(value, at);
  return total;
}

export function readPayload(bytes: Uint8Array): { vmId: string; key: string; value: Uint8Array; cas: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + HEADER_BYTES);
  const vmLen = view.getUint32(0, true);
  const keyLen = view.getUint32(4, true);
  const valueLen = view.getUint32(8, true);
  const cas = view.getUint32(12, true);
  let at = HEADER_BYTES + 16;
  const vmId = decoder.decode(bytes.subarray(at, at + vmLen)); at += vmLen;
  const key = decoder.decode(bytes.subarray(at, at + keyLen)); at += keyLen;
  const value = bytes.slice(at, at + valueLen);
  return { vmId, key, value, cas };
}
