// Time as the host sees it: proxy_get_current_time_nanoseconds and WASI clock_time_get read it,
// tick timers are scheduled on it. Injectable so tests drive time with FakeClock.advance().

export interface Clock {
  /** Wall-clock time, unix epoch nanoseconds. */
  unixNanos(): bigint;
  /** Monotonic nanoseconds (arbitrary origin). */
  monotonicNanos(): bigint;
}

// Date.now() has millisecond resolution, so the BigInt it becomes is kept for that millisecond:
// filters read the time on most requests (rate limiting), and BigInt arithmetic on every read
// would be per-request work for a value that changes once a millisecond.
let lastUnixMs = -1;
let lastUnixNanos = 0n;

export const systemClock: Clock = {
  unixNanos: () => {
    const ms = Date.now();
    if (ms !== lastUnixMs) {
      lastUnixMs = ms;
      lastUnixNanos = BigInt(ms) * 1_000_000n;
    }
    return lastUnixNanos;
  },
  monotonicNanos: () => process.hrtime.bigint(),
};

export class FakeClock implements Clock {
  private offsetNanos = 0n;

  /** Starts at `startUnixMs` (default 2024-01-01T00:00:00Z) and moves only when told. */
  constructor(private readonly startUnixMs = Date.UTC(2024, 0, 1)) {}

  unixNanos(): bigint {
    return BigInt(this.startUnixMs) * 1_000_000n + this.offsetNanos;
  }

  monotonicNanos(): bigint {
    return this.offsetNanos;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    this.offsetNanos += BigInt(Math.round(ms * 1_000_000));
  }
}
