// Registered-claim checks of RFC 7519 §4.1 on a token whose signature already verified:
// `exp` and `nbf` (NumericDate seconds, with the configured clock skew), `iss`, `aud`
// (a string or an array of strings), then the route's required claims.
import { JsonKind, JsonValue } from "@attache/proxy-wasm-sdk/json";

/** What the JWT method of a route demands (parsed in config.ts). */
export class ClaimRules {
  issuer: string = "";
  audiences: string[] = [];
  clockSkewSeconds: f64 = 60;
  requireExpiration: bool = true;
  requiredClaims: string[] = [];
}

/** Why a token was refused: 401 (invalid token) unless `forbidden` (valid, lacks a claim: 403). */
export class ClaimVerdict {
  constructor(public readonly ok: bool, public readonly forbidden: bool, public readonly reason: string) {}
  static accept(): ClaimVerdict { return new ClaimVerdict(true, false, ""); }
  static invalid(reason: string): ClaimVerdict { return new ClaimVerdict(false, false, reason); }
  static forbid(reason: string): ClaimVerdict { return new ClaimVerdict(false, true, reason); }
}

export function checkClaims(rules: ClaimRules, claims: JsonValue, nowSeconds: f64): ClaimVerdict {
  const exp = claims.get("exp");
  if (exp === null || exp.isNull) {
    if (rules.requireExpiration) return ClaimVerdict.invalid("token has no expiration");
  } else if (exp.kind != JsonKind.Number) {
    return ClaimVerdict.invalid("malformed token: exp is not a number");
  } else if (nowSeconds >= exp.numberValue + rules.clockSkewSeconds) {
    // RFC 7519 §4.1.4: the current time must be before exp (skew allowed).
    return ClaimVerdict.invalid("token expired");
  }
  const nbf = claims.get("nbf");
  if (nbf !== null && !nbf.isNull) {
    if (nbf.kind != JsonKind.Number) return ClaimVerdict.invalid("malformed token: nbf is not a number");
    // RFC 7519 §4.1.5: the current time must be at or after nbf (skew allowed).
    if (nowSeconds + rules.clockSkewSeconds < nbf.numberValue) return ClaimVerdict.invalid("token not yet valid");
  }
  if (rules.issuer.length > 0) {
    const iss = claims.get("iss");
    if (iss === null || iss.kind != JsonKind.String || iss.stringValue != rules.issuer) return ClaimVerdict.invalid("token issuer not accepted");
  }
  if (rules.audiences.length > 0 && !audienceAccepted(rules.audiences, claims.get("aud"))) {
    return ClaimVerdict.invalid("token audience not accepted");
  }
  for (let i = 0; i < rules.requiredClaims.length; i++) {
    const claim = claims.get(rules.requiredClaims[i]);
    if (claim === null || claim.isNull) return ClaimVerdict.forbid("missing required claim: " + rules.requiredClaims[i]);
  }
  return ClaimVerdict.accept();
}

/** RFC 7519 §4.1.3: `aud` is one string or an array of strings; one of them must be ours. */
function audienceAccepted(accepted: string[], aud: JsonValue | null): bool {
  if (aud === null) return false;
  if (aud.kind == JsonKind.String) return accepted.includes(aud.stringValue);
  if (aud.kind != JsonKind.Array) return false;
  for (let i = 0; i < aud.items.length; i++) {
    const item = aud.items[i];
    if (item.kind == JsonKind.String && accepted.includes(item.stringValue)) return true;
  }
  return false;
}

/**
 * A claim as a header value: strings as is, integers (below 2^53) in decimal, other numbers as
 * written in the token, booleans, arrays of strings joined with ","; null for anything else or
 * for text a header cannot carry (control characters would let a token inject headers).
 */
export function claimHeaderValue(claim: JsonValue | null): string | null {
  if (claim === null) return null;
  let text: string;
  const kind = claim.kind;
  if (kind == JsonKind.String) text = claim.stringValue;
  else if (kind == JsonKind.Bool) text = claim.boolValue ? "true" : "false";
  else if (kind == JsonKind.Number) {
    const n = claim.numberValue;
    text = n == Math.floor(n) && Math.abs(n) < 9007199254740992 ? (<i64>n).toString() : claim.stringValue;
  } else if (kind == JsonKind.Array) {
    const parts = new Array<string>();
    for (let i = 0; i < claim.items.length; i++) {
      const item = claim.items[i];
      if (item.kind != JsonKind.String) return null;
      parts.push(item.stringValue);
    }
    text = parts.join(",");
  } else return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c == 0x7f) return null;
  }
  return text;
}
