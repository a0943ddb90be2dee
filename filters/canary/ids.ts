// Ids for first-time visitors (the sticky cookie's value). proxy-wasm has no random host call
// and the SDK imports no WASI, so the id mixes sources that differ per request: Envoy's
// request id (`request.id`, a random UUIDv4 that Envoy's connection manager generates for
// every request unless a trusted client sent x-request-id), the host clock in nanoseconds,
// the context id and a per-VM counter. Two independent 64-bit mixes give 128 bits, written as
// 32 lower-case hex digits — unguessable enough for a bucketing id that carries no privilege.
import { getCurrentTimeNanoseconds, getRequestId } from "@attache/proxy-wasm-sdk";
import { IdGenerator } from "./assign";
import { fmix64, keyHash64 } from "@attache/proxy-wasm-sdk/hash64";

let issued: u64 = 0;

function hex64(value: u64): string {
  let text = value.toString(16);
  while (text.length < 16) text = "0" + text;
  return text;
}

export class HostIdGenerator extends IdGenerator {
  /** The stream the next id is for (set per request; part of the salt). */
  contextId: u32 = 0;

  newId(): string {
    issued++;
    const requestId = getRequestId();
    const seed = keyHash64(requestId !== null ? requestId : "");
    const now = getCurrentTimeNanoseconds();
    const salt = (<u64>this.contextId << 32) ^ issued;
    const high = fmix64(seed ^ now ^ 0x9e3779b97f4a7c15);
    const low = fmix64(seed + fmix64(now ^ salt));
    return hex64(high) + hex64(low);
  }
}
