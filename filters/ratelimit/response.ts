// What the client sees. Header names follow the IETF draft "RateLimit header fields for HTTP"
// (draft-ietf-httpapi-ratelimit-headers, the `RateLimit-Limit`/`-Remaining`/`-Reset` form that
// Envoy and most gateways emit) and the older de-facto `X-RateLimit-*` trio that Envoy's local
// rate limit adds with `enable_x_ratelimit_headers: DRAFT_VERSION_03`. `Retry-After` is RFC 9110
// §10.2.3 (delay-seconds).
//   Limit     = burst (the bucket's capacity: the most requests a client can make at once)
//   Remaining = tokens left after this request
//   Reset     = seconds until the bucket is full again
import { HeaderPair } from "../sdk/headers";
import { Decision, Limit } from "./gcra";

export const LIMITED_STATUS: u32 = 429;
/** Envoy response code details for access logs (%RESPONSE_CODE_DETAILS%; no spaces). */
export const LIMITED_DETAILS = "attache_ratelimit_limited";

/** RateLimit-* (and X-RateLimit-* when `legacyHeaders`) describing `decision`. */
export function rateLimitHeaders(limit: Limit, decision: Decision, legacyHeaders: bool): HeaderPair[] {
  const limitText = limit.burst.toString();
  const remainingText = decision.remaining.toString();
  const resetText = decision.resetSeconds.toString();
  const headers: HeaderPair[] = [
    new HeaderPair("ratelimit-limit", limitText),
    new HeaderPair("ratelimit-remaining", remainingText),
    new HeaderPair("ratelimit-reset", resetText),
  ];
  if (legacyHeaders) {
    headers.push(new HeaderPair("x-ratelimit-limit", limitText));
    headers.push(new HeaderPair("x-ratelimit-remaining", remainingText));
    headers.push(new HeaderPair("x-ratelimit-reset", resetText));
  }
  return headers;
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
