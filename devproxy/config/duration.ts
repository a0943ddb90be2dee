// google.protobuf.Duration in proto3 JSON ("1.5s") to milliseconds.
export function parseDurationMs(text: string): number {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(String(text));
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  const ms = Number(m[2]) * 1000 + (m[3] ? Number(m[3].padEnd(9, "0")) / 1e6 : 0);
  return m[1] ? -ms : ms;
}
