// Text a proxy sends us (a NACK's error_detail.message) is kept and logged, so it is cut to a
// bounded length first: a misbehaving proxy cannot fill memory or logs with megabyte messages.
export const PEER_TEXT_MAX_CHARS = 2048;

export function truncatePeerText(text: string, max = PEER_TEXT_MAX_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters cut)`;
}
