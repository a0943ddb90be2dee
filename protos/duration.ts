// google.protobuf.Duration in proto3 JSON: "<seconds>[.<up to 9 fraction digits>]s", with an
// optional minus sign (google/protobuf/duration.proto, "JSON Mapping"). The one codec for the
// translator's output, the proto encoder (json.ts, validate.ts) and the local data plane's input.
// CRD fields use Go's duration syntax instead ("250ms", "1m30s"): controlplane/api/duration.ts.
const PATTERN = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

export type DurationParts = { seconds: number; nanos: number };

/** "1.5s" -> {seconds: 1, nanos: 500000000}; undefined when the text is not a proto3 JSON Duration. */
export function parseProtoDuration(text: string): DurationParts | undefined {
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const sign = match[1] ? -1 : 1;
  const nanos = match[3] ? Number(match[3].padEnd(9, "0")) : 0;
  return { seconds: sign * Number(match[2]), nanos: sign * nanos };
}

/** {seconds, nanos} -> "1.5s", with no trailing zeros in the fraction. */
export function formatProtoDuration(seconds: number, nanos: number): string {
  if (!nanos) return `${seconds}s`;
  const negative = seconds < 0 || nanos < 0;
  const fraction = String(Math.abs(nanos)).padStart(9, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${Math.abs(seconds)}.${fraction}s`;
}

/** "1.5s" -> 1500; throws on anything that is not a proto3 JSON Duration. */
export function protoDurationToMs(text: string): number {
  const parts = parseProtoDuration(String(text));
  if (!parts) throw new Error(`invalid duration ${JSON.stringify(text)} (want e.g. "3s" or "0.250s")`);
  return parts.seconds * 1000 + parts.nanos / 1e6;
}

/** Milliseconds (rounded, negatives as 0) -> "3s", "0.25s": what the translator emits. */
export function msToProtoDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  return formatProtoDuration(Math.floor(whole / 1000), (whole % 1000) * 1e6);
}
