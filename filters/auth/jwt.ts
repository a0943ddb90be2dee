// JWS compact serialization (RFC 7515 §7.1) verification for JWTs (RFC 7519 §7.2): split,
// decode the header, refuse `alg: none` and unknown critical parameters, pick the keys whose
// own algorithm is the token's (jwks.ts), verify the signature over "header.payload", and only
// then parse and check the claims (claims.ts). Follows the checks listed in RFC 8725 §3.
import { JsonKind, JsonValue, parseJsonBytes } from "@attache/proxy-wasm-sdk/json";
import { decodeBase64Range } from "../crypto/base64";
import { ALG_ES256, ALG_HS256, ALG_RS256, VerificationKey } from "./jwks";
import { checkClaims, ClaimRules, ClaimVerdict } from "./claims";
import { asciiLower } from "./ascii";

export class JwtVerdict {
  constructor(
    /** Why the token was refused ("" when accepted). */
    public readonly reason: string,
    /** The verified claims; null when refused. */
    public readonly claims: JsonValue | null = null,
    /** Valid token that lacks a required claim: 403 instead of 401. */
    public readonly forbidden: bool = false,
  ) {}
  get ok(): bool { return this.claims !== null; }
}

/** Decodes one base64url segment of the token and parses it as a JSON object, or null. */
function jsonSegment(token: string, start: i32, end: i32): JsonValue | null {
  const bytes = decodeBase64Range(token, start, end - start, true);
  if (bytes === null) return null;
  const value = parseJsonBytes(bytes.buffer).value;
  return value !== null && value.kind == JsonKind.Object ? value : null;
}

/** The string member `name` of the JOSE header; "" when absent, null when of another type. */
function stringMember(header: JsonValue, name: string): string | null {
  const value = header.get(name);
  if (value === null) return "";
  return value.kind == JsonKind.String ? value.stringValue : null;
}

export function verifyJwt(keys: VerificationKey[], rules: ClaimRules, token: string, nowSeconds: f64): JwtVerdict {
  const firstDot = token.indexOf(".");
  const secondDot = firstDot < 0 ? -1 : token.indexOf(".", firstDot + 1);
  if (firstDot <= 0 || secondDot < 0 || token.indexOf(".", secondDot + 1) >= 0) return new JwtVerdict("malformed token");

  const header = jsonSegment(token, 0, firstDot);
  if (header === null) return new JwtVerdict("malformed token: header");
  const alg = stringMember(header, "alg");
  if (alg === null || !header.has("alg")) return new JwtVerdict("malformed token: no alg");
  // RFC 8725 §3.1 / §2.1: an unsecured token must never pass, whatever the spelling of "none".
  if (asciiLower(alg) == "none") return new JwtVerdict("alg none is not allowed");
  if (alg != ALG_HS256 && alg != ALG_RS256 && alg != ALG_ES256) return new JwtVerdict("unsupported token algorithm");
  // RFC 7515 §4.1.11: a recipient must reject a token whose `crit` names extensions it does not implement (we implement none).
  if (header.has("crit")) return new JwtVerdict("unsupported critical header parameters");
  const kid = stringMember(header, "kid");
  if (kid === null) return new JwtVerdict("malformed token: kid");
  const anyKid = !header.has("kid");

  const signature = decodeBase64Range(token, secondDot + 1, token.length - secondDot - 1, true);
  if (signature === null || signature.length == 0) return new JwtVerdict("malformed token: signature");
  const signingInput = String.UTF8.encode(token.substring(0, secondDot));
  let candidates = 0;
  let verified = false;
  for (let i = 0; i < keys.length && !verified; i++) {
    const key = keys[i];
    // A key verifies only its own algorithm, and a kid in the token must name the key.
    if (key.alg != alg || (!anyKid && key.kid != kid)) continue;
    candidates++;
    verified = key.verify(changetype<usize>(signingInput), signingInput.byteLength, signature);
  }
  if (candidates == 0) return new JwtVerdict(anyKid ? "no key accepts the token's alg" : "no key matches the token's kid and alg");
  if (!verified) return new JwtVerdict("invalid token signature");

  const claims = jsonSegment(token, firstDot + 1, secondDot);
  if (claims === null) return new JwtVerdict("malformed token: claims");
  const verdict: ClaimVerdict = checkClaims(rules, claims, nowSeconds);
  if (!verdict.ok) return new JwtVerdict(verdict.reason, null, verdict.forbidden);
  return new JwtVerdict("", claims);
}
