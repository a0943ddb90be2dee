// What the client sees. Header names follow the IETF draft "RateLimit header fields for HTTP"
// (draft-ietf-httpapi-ratelimit-headers, the `RateLimit-Limit`/`-Remaining`/`-Reset` form that
// Envoy and most gateways emit) and the older de-facto `X-RateLimit-*` trio that Envoy's local
// rate limit adds with `enable_x_ratelimit_headers: DRAFT_VERSION_03`. `Retry-After` is RFC 9110
// §10.2.3 (delay-seconds).
//   Limit     = burst (the bucket's capacity: the most requests a client can make at once)
//   Remaining = tokens left after this request
//   Reset     = seconds until the bucket is full again
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { Decision, Limit } from "./gcra";

export const LIMITED_STATUS: u32 = 429;
/** Envoy response code details for access logs (%RESPONSE_CODE_DETAILS%; no spaces). */
export const LIMITED_DETAILS = "attache_ratelimit_limited";

/**
 * Where RateLimit-* go: straight into the response headers of an allowed request
 * (index.ts: no list to build per request), or a list for the 429 and for tests.
 */
export abstract class HeaderSink {
  /** Adds header `name` with the decimal `value`. */
  abstract put(name: string, value: u64): void;
}

class HeaderListSink extends HeaderSink {
  readonly pairs: HeaderPair[] = [];
  put(name: string, value: u64): void { this.pairs.push(new HeaderPair(name, value.toString())); }
}

/**
 * Writes RateLimit-* (and X-RateLimit-* when `legacyHeaders`) into `sink`: the bucket's capacity
 * `burst`, the tokens `remaining` after this request and `resetSeconds` until it is full again.
 */
export function writeRateLimitHeaders(sink: HeaderSink, burst: u32, remaining: u32, resetSeconds: u64, legacyHeaders: bool): void {
  sink.put("ratelimit-limit", burst);
  sink.put("ratelimit-remaining", remaining);
  sink.put("ratelimit-reset", resetSeconds);
  if (legacyHeaders) {
    sink.put("x-ratelimit-limit", burst);
    sink.put("x-ratelimit-remaining", remaining);
    sink.put("x-ratelimit-reset", resetSeconds);
  }
}

/** RateLimit-* (and X-RateLimit-* when `legacyHeaders`) describing `decision`, as a list. */
export function rateLimitHeaders(limit: Limit, decision: Decision, legacyHeaders: bool): HeaderPair[] {
  const list = new HeaderListSink();
  writeRateLimitHeaders(list, limit.burst, decision.remaining, decision.resetSeconds, legacyHeaders);
  return list.pairs;
}

/** Headers of the 429 answer: Retry-After, the RateLimit fields and the JSON content type. */
export function limitedHeaders(limit: Limit, decision: Decision, legacyHeaders: bool): HeaderPair[] {
  const headers = rateLimitHeaders(limit, decision, legacyHeaders);
  headers.unshift(new HeaderPair("retry-after", decision.retryAfterSeconds.toString()));
  headers.push(new HeaderPair("content-type", "application/json"));
  return headers;
}

/** JSON body of the 429 answer (no key material: the key may hold an API key or address). */
export function limitedBody(decision: Decision): string {
  return '{"error":"rate_limited","message":"too many requests","retryAfterSeconds":' +
    decision.retryAfterSeconds.toString() + "}";
}
