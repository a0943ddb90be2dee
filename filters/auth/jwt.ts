// JWS compact serialization (RFC 7515 §7.1) verification for JWTs (RFC 7519 §7.2): split,
// decode the header, refuse `alg: none` and unknown critical parameters, pick the keys whose
// own algorithm is the token's (jwks.ts), verify the signature over "header.payload", and only
// then parse and check the claims (claims.ts). Follows the checks listed in RFC 8725 §3.
import { JsonKind, JsonValue, parseJsonBytes } from "../sdk/json";
import { decodeBase64Range } from "../crypto/base64";
import { ALG_ES256, ALG_HS256, ALG_RS256, VerificationKey } from "./jwks";
import { checkClaims, ClaimRules, ClaimVerdict } from "./claims";
import { asciiLower } from "./ascii";

export class JwtVerdict {
  constructor(
    public readonly ok: bool,
    /** Valid token that lacks a required claim: 403 instead of 401. */
    public readonly forbidden: bool,
    public readonly reason: string,
    public readonly claims: JsonValue | null,
  ) {}
  static reject(reason: string): JwtVerdict { return new JwtVerdict(false, false, reason, null); }
}

/** Decodes one base64url segment of the token and parses it as a JSON object, or null. */
function jsonSegment(token: string, start: i32, end: i32): JsonValue | null {
  const bytes = decodeBase64Range(token, start, end - start, true);
  if (bytes === null) return null;
  const parsed = parseJsonBytes(bytes.buffer);
  if (!parsed.ok || parsed.value!.kind != JsonKind.Object) return null;
  return parsed.value;
}

export function verifyJwt(keys: VerificationKey[], rules: ClaimRules, token: string, nowSeconds: f64): JwtVerdict {
  const firstDot = token.indexOf(".");
  const secondDot = firstDot < 0 ? -1 : token.indexOf(".", firstDot + 1);
  if (firstDot <= 0 || secondDot < 0 || token.indexOf(".", secondDot + 1) >= 0) return JwtVerdict.reject("malformed token");

  const header = jsonSegment(token, 0, firstDot);
  if (header === null) return JwtVerdict.reject("malformed token: header");
  const algValue = header.get("alg");
  if (algValue === null || algValue.kind != JsonKind.String) return JwtVerdict.reject("malformed token: no alg");
  const alg = algValue.stringValue;
  // RFC 8725 §3.1 / §2.1: an unsecured token must never pass, whatever the spelling of "none".
  if (asciiLower(alg) == "none") return JwtVerdict.reject("alg none is not allowed");
  if (alg != ALG_HS256 && alg != ALG_RS256 && alg != ALG_ES256) return JwtVerdict.reject("unsupported token algorithm");
  // RFC 7515 §4.1.11: a recipient must reject a token whose `crit` names extensions it does not implement (we implement none).
  if (header.get("crit") !== null) return JwtVerdict.reject("unsupported critical header parameters");
  const kidValue = header.get("kid");
  let kid: string | null = null;
  if (kidValue !== null) {
    if (kidValue.kind != JsonKind.String) return JwtVerdict.reject("malformed token: kid");
    kid = kidValue.stringValue;
  }

  const signature = decodeBase64Range(token, secondDot + 1, token.length - secondDot - 1, true);
  if (signature === null || signature.length == 0) return JwtVerdict.reject("malformed token: signature");
  const signingInput = String.UTF8.encode(token.substring(0, secondDot));
  let candidates = 0;
  let verified = false;
  for (let i = 0; i < keys.length && !verified; i++) {
    const key = keys[i];
    // A key verifies only its own algorithm, and a kid in the token must name the key.
    if (key.alg != alg) continue;
    if (kid !== null && (key.kid === null || key.kid! != kid)) continue;
    candidates++;
    verified = key.verify(changetype<usize>(signingInput), signingInput.byteLength, signature);
  }
  if (candidates == 0) return JwtVerdict.reject(kid !== null ? "no key matches the token's kid and alg" : "no key accepts the token's alg");
  if (!verified) return JwtVerdict.reject("invalid token signature");

  const claims = jsonSegment(token, firstDot + 1, secondDot);
  if (claims === null) return JwtVerdict.reject("malformed token: claims");
  const verdict: ClaimVerdict = checkClaims(rules, claims, nowSeconds);
  if (!verdict.ok) return new JwtVerdict(false, verdict.forbidden, verdict.reason, null);
  return new JwtVerdict(true, false, "", claims);
}
