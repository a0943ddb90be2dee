// Time as the host sees it: proxy_get_current_time_nanoseconds and WASI clock_time_get read it,
// tick timers are scheduled on it. Injectable so tests drive time with FakeClock.advance().

export interface Clock {
  /** Wall-clock time, unix epoch nanoseconds. */
  unixNanos(): bigint;
  /** Monotonic nanoseconds (arbitrary origin). */
  monotonicNanos(): bigint;
}

export const systemClock: Clock = {
  unixNanos: () => BigInt(Date.now()) * 1_000_000n,
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
