// Duration strings in plugin configuration: a positive integer followed by a unit, the subset
// of Go's time.ParseDuration / proto3 JSON Duration that rate limit intervals need: "500ms",
// "1s", "1m", "1h". Fractions and compound forms ("1m30s") are rejected rather than guessed.

export const NANOS_PER_MILLISECOND: u64 = 1_000_000;
export const NANOS_PER_SECOND: u64 = 1_000_000_000;

/** Longest accepted interval: one day (keeps burst × interval far inside u64 nanoseconds). */
export const MAX_DURATION_NANOS: u64 = 86_400 * NANOS_PER_SECOND;

/**
 * Nanoseconds of `text`, or 0 when it is not `<digits><ms|s|m|h>` or is outside
 * 1ms..24h. Callers turn 0 into a field-path error.
 */
export function parseDurationNanos(text: string): u64 {
  let digits = 0;
  while (digits < text.length) {
    const c = text.charCodeAt(digits);
    if (c < 0x30 || c > 0x39) break;
    digits++;
  }
  if (digits == 0 || digits > 9) return 0;
  const unit = text.substring(digits);
  let scale: u64 = 0;
  if (unit == "ms") scale = NANOS_PER_MILLISECOND;
  else if (unit == "s") scale = NANOS_PER_SECOND;
  else if (unit == "m") scale = 60 * NANOS_PER_SECOND;
  else if (unit == "h") scale = 3600 * NANOS_PER_SECOND;
  else return 0;
  const value = U64.parseInt(text.substring(0, digits), 10);
  const nanos = value * scale;
  if (nanos == 0 || nanos > MAX_DURATION_NANOS) return 0;
  return nanos;
}
