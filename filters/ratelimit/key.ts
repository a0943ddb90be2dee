// The bucket key: the route name plus the configured parts, in order. "keyBy" entries:
//   "clientAddress"  — `source.address` without the port (one bucket per client IP)
//   "header:<name>"  — a request header's value, e.g. an API key id, or a claim header the
//                      auth filter wrote (`x-attache-claim-sub`): a claim header is a header
// A missing part counts as the empty string, so every request without the header shares one
// bucket per route (clients cannot dodge the limit by omitting it). Parts are joined with
// "\n", which cannot occur in header values, so ("a", "b\nc") and ("a\nb", "c") differ.
// Per request only the key's 64-bit fingerprint is needed (buckets.ts): bucketFingerprint hashes
// the parts' bytes where the host left them, without making a string of any part or the key.
// For UTF-8 values that equals keyHash64 of the key (FNV-1a 64 over its UTF-8, ../sdk/hash64.ts);
// a value that is not UTF-8 is hashed as the bytes it is (Envoy's header values are bytes).
import { RequestView } from "@attache/proxy-wasm-sdk/request_view";
import { headerNameProblem } from "@attache/proxy-wasm-sdk/config_names";
import { FNV1A64_START, fmix64, fnv1a64Append } from "@attache/proxy-wasm-sdk/hash64";

export class KeyPart {
  /** name "" = client address; otherwise a header name. */
  constructor(public readonly headerName: string) {}
  get isClientAddress(): bool { return this.headerName.length == 0; }
}

export const CLIENT_ADDRESS = "clientAddress";
const HEADER_PREFIX = "header:";

/** Parses a keyBy entry; the error (for the entry's path) goes to `problem[0]`. */
export function parseKeyPart(text: string, problem: string[]): KeyPart | null {
  if (text == CLIENT_ADDRESS) return new KeyPart("");
  if (text.startsWith(HEADER_PREFIX)) {
    const name = text.substring(HEADER_PREFIX.length);
    const bad = headerNameProblem(name);
    if (bad === null) return new KeyPart(name);
    problem.push("header name " + bad);
    return null;
  }
  problem.push("must be \"clientAddress\" or \"header:<name>\", got \"" + text + "\"");
  return null;
}

/** A part's value in this request; a missing header or address counts as "". */
function partValue(part: KeyPart, request: RequestView): string {
  const value = part.isClientAddress ? request.clientAddress() : request.header(part.headerName);
  return value !== null ? value : "";
}

export function bucketKey(route: string, parts: KeyPart[], request: RequestView): string {
  let key = route;
  for (let i = 0; i < parts.length; i++) key += "\n" + partValue(parts[i], request);
  return key;
}

/** FNV-1a 64 state after the route name: the start of every key of that route (RouteLimit). */
export function routeKeyState(route: string): u64 {
  return fnv1a64Append(FNV1A64_START, route);
}

/** Where a request's key parts come from, as bytes in place. */
export abstract class KeyBytes {
  ptr: usize = 0;
  length: usize = 0;
  /**
   * Points ptr/length at the part's value (for the client address: `source.address` as the
   * host has it, port included); false when missing. Valid until the next read.
   */
  abstract read(part: KeyPart): bool;
}

/** FNV-1a 64 prime (../sdk/hash64.ts: the same hash, continued over bytes). */
const FNV_PRIME: u64 = 0x100000001b3;
const NEWLINE: u64 = 0x0a;

function fnv1a64AppendBytes(state: u64, ptr: usize, length: usize): u64 {
  let hash = state;
  for (let i: usize = 0; i < length; i++) hash = (hash ^ <u64>load<u8>(ptr + i)) * FNV_PRIME;
  return hash;
}

/**
 * The bytes of an address that stripPort (../sdk/client_address.ts) keeps, as start << 32 |
 * end: "[ip]:port" -> ip, "ip:port" -> ip (numeric port only), anything else whole. The
 * characters it looks for are ASCII, and UTF-8 bytes of other characters are never ASCII, so
 * the byte positions give the same text.
 */
function addressSpan(ptr: usize, length: usize): u64 {
  const whole: u64 = <u64>length;
  if (length == 0) return whole;
  if (load<u8>(ptr) == 0x5b) { // "[": an IPv6 address
    for (let i: usize = 1; i < length; i++) if (load<u8>(ptr + i) == 0x5d) return (<u64>1 << 32) | <u64>i;
    return whole;
  }
  let colon: isize = -1;
  for (let i: usize = 0; i < length; i++) {
    if (load<u8>(ptr + i) != 0x3a) continue;
    if (colon >= 0) return whole; // a second colon: a bare IPv6 address, no port
    colon = <isize>i;
  }
  if (colon < 0 || <usize>colon + 1 >= length) return whole;
  for (let i = <usize>colon + 1; i < length; i++) {
    const c = load<u8>(ptr + i);
    if (c < 0x30 || c > 0x39) return whole;
  }
  return <u64>colon;
}

/**
 * keyHash64(bucketKey(...)) of the request whose parts `source` reads, from `routeState`
 * (routeKeyState of its route), without building the key or any part as a string.
 */
export function bucketFingerprint(routeState: u64, parts: KeyPart[], source: KeyBytes): u64 {
  let hash = routeState;
  for (let i = 0; i < parts.length; i++) {
    hash = (hash ^ NEWLINE) * FNV_PRIME;
    const part = unchecked(parts[i]);
    if (!source.read(part)) continue; // missing: the empty string
    let start: usize = 0;
    let end = source.length;
    if (part.isClientAddress) {
      const span = addressSpan(source.ptr, end);
      start = <usize>(span >> 32);
      end = <usize>(span & 0xffffffff);
    }
    hash = fnv1a64AppendBytes(hash, source.ptr + start, end - start);
  }
  return fmix64(hash);
}
