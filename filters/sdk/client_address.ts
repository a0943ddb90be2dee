// The client's IP from Envoy's `source.address` property, which is "ip:port" for IPv4
// ("10.0.0.7:51234") and "[ip]:port" for IPv6 ("[2001:db8::1]:443"); pipes and internal
// addresses carry no port. Keys must not include the port: every new connection from the same
// client gets a new ephemeral port, so a port in the key would give each connection its own
// rate limit bucket (or canary side). Used by the ratelimit and canary filters.

/** `source.address` without the port (and without IPv6 brackets). */
export function stripPort(address: string): string {
  if (address.length > 0 && address.charCodeAt(0) == 0x5b) { // "[": an IPv6 address
    const close = address.indexOf("]");
    return close > 0 ? address.substring(1, close) : address;
  }
  const colon = address.indexOf(":");
  // More than one colon without brackets is a bare IPv6 address: no port to strip.
  if (colon < 0 || address.indexOf(":", colon + 1) >= 0) return address;
  // Only a numeric port is stripped (Envoy's internal addresses look like "envoy://...").
  if (!isDigits(address, colon + 1)) return address;
  return address.substring(0, colon);
}

function isDigits(text: string, from: i32): bool {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
