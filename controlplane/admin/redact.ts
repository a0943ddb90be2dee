// Nothing the admin server shows may carry a secret: TLS private keys, JWT HMAC keys (`k`),
// passwords or client secrets in filter configurations. Applied to every debug output.
const SECRET_KEYS = new Set(["k", "private_key", "privateKey", "password", "secret", "clientSecret", "client_secret", "token"]);
export const REDACTED = "[redacted]";

/** Deep copy with secret-looking fields replaced; JSON text inside strings is handled too. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEYS.has(k) && v !== undefined && v !== null && v !== "") out[k] = REDACTED;
      else out[k] = redact(v);
    }
    return out;
  }
  if (typeof value === "string" && value.length > 1 && (value[0] === "{" || value[0] === "[")) {
    // Wasm plugin configurations travel as JSON text (google.protobuf.StringValue).
    try {
      return JSON.stringify(redact(JSON.parse(value)));
    } catch {
      return value;
    }
  }
  return value;
}
