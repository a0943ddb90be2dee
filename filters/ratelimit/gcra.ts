// The token bucket, kept as one timestamp (GCRA, the "generic cell rate algorithm" of ITU-T
// I.371, a.k.a. virtual scheduling). A bucket of capacity `burst` that gains one token every
// `emission = interval / requests` nanoseconds is fully described by its "theoretical arrival
// time" (tat): the instant at which it would be full again. Tokens available at `now` are
// (now - (tat - burst * emission)) / emission, capped at burst. Consuming one token moves tat
// forward by one emission interval. Refill is thus computed from the clock on every access —
// no timer — and the whole state is one u64, which makes a compare-and-swap in shared data
// cheap. A never-seen bucket has tat = 0, i.e. full.
//
// Integer nanoseconds throughout: `emission` is rounded down, so a bucket refills at most
// `requests` nanoseconds early per interval (in the client's favour, never surprisingly
// strict at an exact interval boundary).
import { NANOS_PER_SECOND } from "./duration";

/** The per-route limit, validated and pre-computed when the configuration is parsed. */
export class Limit {
  /** Nanoseconds per token. */
  readonly emissionNanos: u64;
  /** burst × emission: how far tat may run ahead of now. */
  readonly windowNanos: u64;

  constructor(public readonly requests: u32, public readonly intervalNanos: u64, public readonly burst: u32) {
    const emission = intervalNanos / <u64>requests;
    this.emissionNanos = emission > 0 ? emission : 1;
    this.windowNanos = this.emissionNanos * <u64>burst;
  }
}

/**
 * Outcome of one request against one bucket. Filled in place by takeToken: the filter reuses one
 * per VM (callbacks never overlap), so deciding allocates nothing.
 */
export class Decision {
  allowed: bool = false;
  /** The bucket's new tat (unchanged when limited). */
  tat: u64 = 0;
  /** Tokens left after this request (0 when limited). */
  remaining: u32 = 0;
  /** Whole seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: u64 = 0;
  /** Whole seconds until one request would be allowed (Retry-After); 0 when allowed. */
  retryAfterSeconds: u64 = 0;

  private set(allowed: bool, tat: u64, remaining: u32, resetSeconds: u64, retryAfterSeconds: u64): Decision {
    this.allowed = allowed;
    this.tat = tat;
    this.remaining = remaining;
    this.resetSeconds = resetSeconds;
    this.retryAfterSeconds = retryAfterSeconds;
    return this;
  }

  limited(tat: u64, resetSeconds: u64, retryAfterSeconds: u64): Decision { return this.set(false, tat, 0, resetSeconds, retryAfterSeconds); }
  allow(tat: u64, remaining: u32, resetSeconds: u64): Decision { return this.set(true, tat, remaining, resetSeconds, 0); }
}

/** Seconds rounded up, so a client that waits that long is never early. */
export function ceilSeconds(nanos: u64): u64 {
  return (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
}

/** Takes one token from the bucket whose tat is `tat` (0: new bucket) at time `now`; the outcome goes into `into`. */
export function takeToken(limit: Limit, tat: u64, now: u64, into: Decision): Decision {
  const start = tat > now ? tat : now;
  const nextTat = start + limit.emissionNanos;
  const ahead = nextTat - now;
  if (ahead > limit.windowNanos) {
    const waitNanos = ahead - limit.windowNanos;
    const fullIn = tat > now ? tat - now : 0;
    return into.limited(tat, ceilSeconds(fullIn), ceilSeconds(waitNanos));
  }
  const remaining = <u32>((limit.windowNanos - ahead) / limit.emissionNanos);
  return into.allow(nextTat, remaining, ceilSeconds(ahead));
}

/** Tokens available at `now` without taking one (for tests and diagnostics). */
export function availableTokens(limit: Limit, tat: u64, now: u64): u32 {
  if (tat <= now) return limit.burst;
  const ahead = tat - now;
  if (ahead >= limit.windowNanos) return 0;
  return <u32>((limit.windowNanos - ahead) / limit.emissionNanos);
}
