// Log lines triggered by peers (xDS NACKs, the data plane's rejections) are rate-limited: at
// most `perWindow` lines per window, and the first line after a quiet spell says how many were
// left out, so a NACK storm costs a few lines, not one per message.
export class LogRateLimit {
  private windowStart = -Infinity;
  private logged = 0;
  private suppressed = 0;

  constructor(private readonly perWindow = 10, private readonly windowMs = 10_000, private readonly now: () => number = () => performance.now()) {}

  /** Whether to log this event, and how many events were suppressed before it. */
  take(): { log: boolean; suppressed: number } {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) { this.windowStart = t; this.logged = 0; }
    if (this.logged >= this.perWindow) { this.suppressed++; return { log: false, suppressed: 0 }; }
    this.logged++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { log: true, suppressed };
  }
}
