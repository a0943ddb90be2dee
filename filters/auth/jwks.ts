// JWT verification keys from a JWKS in the plugin configuration (RFC 7517 §4, §5; key types
// and parameters from RFC 7518 §6). Each key verifies exactly one algorithm — RS256 for kty
// RSA, ES256 for kty EC / crv P-256, HS256 for kty oct — so a token cannot pick another
// algorithm for a key it names (the HS256-with-an-RSA-public-key confusion, RFC 8725 §2.1).
import { JsonArray, JsonObject } from "@attache/proxy-wasm-sdk/json_view";
import { decodeBase64Url } from "../crypto/base64";
import { HmacSha256Key } from "../crypto/hmac";
import { accumulatedDifferenceRaw } from "../crypto/compare";
import { parseRsaPublicKey, rsaKeyError, RsaPublicKey } from "../crypto/rsa";
import { P256PublicKey, parseP256PublicKey, verifyP256 } from "../crypto/p256";
import { sha256Into } from "../crypto/sha256";

export const ALG_HS256 = "HS256";
export const ALG_RS256 = "RS256";
export const ALG_ES256 = "ES256";

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
const HMAC_MIN_KEY_BYTES = 32;

const JWK_FIELDS = ["kty", "kid", "alg", "use", "key_ops", "n", "e", "crv", "x", "y", "k", "x5c", "x5t", "x5t#S256", "x5u"];
const PRIVATE_FIELDS = ["d", "p", "q", "dp", "dq", "qi", "oth"];

export class VerificationKey {
  kid: string | null = null;
  alg: string = "";
  hmac: HmacSha256Key | null = null;
  rsa: RsaPublicKey | null = null;
  ec: P256PublicKey | null = null;

  /** Checks `signature` over the `length` bytes at `signingInput` (header.payload, ASCII). */
  verify(signingInput: usize, length: i32, signature: Uint8Array): bool {
    const hmac = this.hmac;
    if (hmac !== null) {
      hmac.macInto(signingInput, length, DIGEST);
      return signature.length == 32 && accumulatedDifferenceRaw(DIGEST, signature.dataStart, 32) == 0;
    }
    sha256Into(signingInput, length, DIGEST);
    const rsa = this.rsa;
    if (rsa !== null) return rsa.verifyDigest(DIGEST, signature.dataStart, signature.length);
    const ec = this.ec;
    if (ec !== null) return verifyP256(ec, DIGEST, signature.dataStart, signature.length);
    return false;
  }
}

/** The signing input's SHA-256 (or HMAC) for the key being tried. */
const DIGEST: usize = memory.data(32);

/** A base64url member decoded, or null with the error recorded under its path. */
function base64UrlMember(jwk: JsonObject, name: string): Uint8Array | null {
  const text = jwk.requireString(name);
  if (text.length == 0) return null; // absent, null, not a string or empty: recorded
  const bytes = decodeBase64Url(text);
  if (bytes === null || bytes.length == 0) { jwk.errors.add(jwk.pathOf(name), "not base64url"); return null; }
  return bytes;
}

/** One JWK; null after recording errors under `jwk.path`. */
export function parseJwk(jwk: JsonObject): VerificationKey | null {
  const errorsBefore = jwk.errors.messages.length;
  for (let i = 0; i < PRIVATE_FIELDS.length; i++) {
    if (jwk.has(PRIVATE_FIELDS[i])) jwk.errors.add(jwk.pathOf(PRIVATE_FIELDS[i]), "private key material must not be in the configuration");
  }
  const members = jwk.keys();
  for (let i = 0; i < members.length; i++) {
    const name = members[i];
    if (!JWK_FIELDS.includes(name) && !PRIVATE_FIELDS.includes(name)) jwk.errors.add(jwk.pathOf(name), "unknown JWK member");
  }
  const kty = jwk.requireString("kty");
  const key = new VerificationKey();
  if (jwk.has("kid")) key.kid = jwk.getString("kid");
  const use = jwk.getString("use", "sig");
  if (use != "sig") jwk.errors.add(jwk.pathOf("use"), "must be \"sig\" (got \"" + use + "\")");
  let expectedAlg = "";
  if (kty == "RSA") {
    expectedAlg = ALG_RS256;
    const n = base64UrlMember(jwk, "n");
    const e = base64UrlMember(jwk, "e");
    if (n !== null && e !== null) {
      const rsa = parseRsaPublicKey(n, e);
      key.rsa = rsa;
      if (rsa === null) jwk.errors.add(jwk.pathOf(rsaKeyError.startsWith("exponent") ? "e" : "n"), rsaKeyError);
    }
  } else if (kty == "EC") {
    expectedAlg = ALG_ES256;
    const crv = jwk.requireString("crv");
    if (crv.length > 0 && crv != "P-256") jwk.errors.add(jwk.pathOf("crv"), "unsupported curve \"" + crv + "\" (only P-256)");
    const x = base64UrlMember(jwk, "x");
    const y = base64UrlMember(jwk, "y");
    if (x !== null && y !== null && crv == "P-256") {
      if (x.length != 32 || y.length != 32) jwk.errors.add(jwk.path, "x and y must be 32 bytes each for P-256");
      else {
        const ec = parseP256PublicKey(x, y);
        key.ec = ec;
        if (ec === null) jwk.errors.add(jwk.path, "x, y is not a point on P-256");
      }
    }
  } else if (kty == "oct") {
    expectedAlg = ALG_HS256;
    const k = base64UrlMember(jwk, "k");
    if (k !== null) {
      if (k.length < HMAC_MIN_KEY_BYTES) jwk.errors.add(jwk.pathOf("k"), "HS256 keys must be at least 32 bytes (RFC 7518 §3.2)");
      else key.hmac = new HmacSha256Key(k);
    }
  } else if (kty.length > 0) {
    jwk.errors.add(jwk.pathOf("kty"), "unsupported key type \"" + kty + "\" (expected RSA, EC or oct)");
  }
  const alg = jwk.getString("alg", expectedAlg);
  if (expectedAlg.length > 0 && alg != expectedAlg) {
    jwk.errors.add(jwk.pathOf("alg"), "\"" + alg + "\" cannot be used with kty " + kty + " (expected " + expectedAlg + ")");
  }
  key.alg = expectedAlg;
  return jwk.errors.messages.length == errorsBefore ? key : null;
}

/** The `keys` array of a JWKS. */
export function parseJwks(keys: JsonArray): VerificationKey[] {
  const out = new Array<VerificationKey>();
  if (keys.length == 0) keys.errors.add(keys.path, "must list at least one key");
  for (let i = 0; i < keys.length; i++) {
    const jwk = keys.getObject(i);
    if (jwk === null) continue;
    const key = parseJwk(jwk);
    if (key !== null) out.push(key);
  }
  return out;
}
