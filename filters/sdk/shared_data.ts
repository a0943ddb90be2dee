// Shared data: a key/value store shared by every VM with the same vm_id (all of Envoy's worker
// threads), with compare-and-swap. Every successful set gets a new non-zero cas; setting with
// cas 0 is unconditional, any other cas must equal the current one or the host answers
// CasMismatch — an expected outcome (another worker won the race), returned as a value.
// Keys are strings, or a prefix and a number for keys built per request (no string is made).
import { proxy_get_shared_data, proxy_set_shared_data } from "./imports";
import { WasmResult } from "./enums";
import { BorrowedBytes, RET_EXTRA, RET_LEN, RET_PTR, borrowHostResult, clearResultSlots, takeHostBytes } from "./memory";
import { Utf8Arg, keyArg, numberedKeyArg } from "./args";
import { reportUnexpected } from "./log";

export class SharedDataValue {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

/** The key as text, for a log line about an unexpected status. */
function keyText(key: Utf8Arg): string {
  return String.UTF8.decodeUnsafe(key.ptr, key.length);
}

/** Asks the host for `key`; true leaves the value in the result slots and the cas in RET_EXTRA. */
function fetchSharedData(key: Utf8Arg): bool {
  clearResultSlots();
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_get_shared_data(key.ptr, key.length, RET_PTR, RET_LEN, RET_EXTRA);
  if (result == WasmResult.Ok) return true;
  if (result != WasmResult.NotFound) reportUnexpected("proxy_get_shared_data(" + keyText(key) + ")", result);
  return false;
}

/** The value and its cas, or null when the key was never set. */
export function getSharedData(key: string): SharedDataValue | null {
  if (!fetchSharedData(keyArg(key))) return null;
  const cas = load<u32>(RET_EXTRA);
  return new SharedDataValue(takeHostBytes(), cas);
}

/**
 * Like getSharedData without copying: the value stays where the host put it (BorrowedBytes:
 * valid until the next SDK call that asks the host for a result) and its cas is in
 * borrowedSharedDataCas(). For small values read on every request.
 */
export function borrowSharedData(key: string): BorrowedBytes | null {
  return borrowSharedDataAt(keyArg(key));
}

/** borrowSharedData of the key `prefix` + decimal `n` (e.g. "attache.ratelimit/42"), without making it. */
export function borrowNumberedSharedData(prefix: string, n: u64): BorrowedBytes | null {
  return borrowSharedDataAt(numberedKeyArg(prefix, n));
}

function borrowSharedDataAt(key: Utf8Arg): BorrowedBytes | null {
  if (!fetchSharedData(key)) return null;
  borrowedCas = load<u32>(RET_EXTRA);
  return borrowHostResult();
}

let borrowedCas: u32 = 0;

/** The cas of the value borrowSharedData returned last. */
export function borrowedSharedDataCas(): u32 {
  return borrowedCas;
}

/**
 * Stores `value` under `key` if its cas still equals `cas` (0: unconditionally). Returns
 * WasmResult.Ok or WasmResult.CasMismatch (retry: read again and recompute); any other status
 * is logged and returned as is.
 */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResult {
  return setSharedDataAt(keyArg(key), value, cas);
}

/** setSharedData of the key `prefix` + decimal `n` (e.g. "attache.ratelimit/42"), without making it. */
export function setNumberedSharedData(prefix: string, n: u64, value: ArrayBuffer, cas: u32 = 0): WasmResult {
  return setSharedDataAt(numberedKeyArg(prefix, n), value, cas);
}

function setSharedDataAt(key: Utf8Arg, value: ArrayBuffer, cas: u32): WasmResult {
  const result = <WasmResult>proxy_set_shared_data(key.ptr, key.length, changetype<usize>(value), value.byteLength, cas);
  if (result != WasmResult.Ok && result != WasmResult.CasMismatch) reportUnexpected("proxy_set_shared_data(" + keyText(key) + ")", result);
  return result;
}
