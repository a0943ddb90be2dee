// Shared data: a key/value store shared by every VM with the same vm_id (all of Envoy's worker
// threads), with compare-and-swap. Every successful set gets a new non-zero cas; setting with
// cas 0 is unconditional, any other cas must equal the current one or the host answers
// CasMismatch — an expected outcome (another worker won the race), returned as a value.
import { proxy_get_shared_data, proxy_set_shared_data } from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA, RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { reportUnexpected } from "./log";

export class SharedDataValue {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

/** The value and its cas, or null when the key was never set. */
export function getSharedData(key: string): SharedDataValue | null {
  const keyBytes = String.UTF8.encode(key);
  clearResultSlots();
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_shared_data(changetype<usize>(keyBytes), keyBytes.byteLength, RET_PTR, RET_LEN, RET_EXTRA);
  if (result == WasmResult.Ok) {
    const cas = load<u32>(RET_EXTRA);
    return new SharedDataValue(takeHostBytes(), cas);
  }
  if (result != WasmResult.NotFound) reportUnexpected("proxy_get_shared_data(" + key + ")", result);
  return null;
}

/**
 * Stores `value` under `key` if its cas still equals `cas` (0: unconditionally). Returns
 * WasmResult.Ok or WasmResult.CasMismatch (retry: read again and recompute); any other status
 * is logged and returned as is.
 */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResult {
  const keyBytes = String.UTF8.encode(key);
  const result = <WasmResult>proxy_set_shared_data(changetype<usize>(keyBytes), keyBytes.byteLength, changetype<usize>(value), value.byteLength, cas);
  if (result != WasmResult.Ok && result != WasmResult.CasMismatch) reportUnexpected("proxy_set_shared_data(" + key + ")", result);
  return result;
}
