// Durations as Kubernetes users write them: Go's time.ParseDuration syntax without a sign
// ("3s", "250ms", "1.5s", "1m30s", "1h"), the same strings the apiserver accepts for
// `format: duration`. Returned in milliseconds (the IR unit), rounded to whole ms. (Envoy's
// resources use proto3 JSON durations instead: protos/duration.ts.)
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

export function parseGoDurationMs(text: string): number | undefined {
  if (text === "0") return 0; // Go accepts a bare "0"
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  return Math.round(total);
}

export function isDuration(text: string): boolean {
  return parseGoDurationMs(text) !== undefined;
}
