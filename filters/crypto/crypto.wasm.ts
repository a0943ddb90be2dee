// Test-only module: the crypto primitives exported for vitest (filters/crypto/crypto.test.ts)
// through asc's ESM bindings, which copy Uint8Array and string arguments in and results out.
import { sha256 as sha256Digest } from "./sha256";
import { hmacSha256 as hmac } from "./hmac";
import { accumulatedDifference as difference, constantTimeEqual as equal } from "./compare";
import { decodeBase64 as base64, decodeBase64Url as base64Url, decodeHex as hex } from "./base64";
import { parseRsaPublicKey, rsaKeyError, RsaPublicKey } from "./rsa";
import { P256PublicKey, parseP256PublicKey, verifyP256 } from "./p256";

export function sha256(data: Uint8Array): Uint8Array { return sha256Digest(data); }
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array { return hmac(key, message); }
export function accumulatedDifference(a: Uint8Array, b: Uint8Array): u32 { return difference(a, b); }
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool { return equal(a, b); }
export function decodeBase64(text: string): Uint8Array | null { return base64(text); }
export function decodeBase64Url(text: string): Uint8Array | null { return base64Url(text); }
export function decodeHex(text: string): Uint8Array | null { return hex(text); }

let lastKeyError = "";
/** Why the last verify call refused its key ("" when the key was accepted). */
export function keyError(): string { return lastKeyError; }

/** 1 valid, 0 invalid signature, -1 key refused (see keyError). */
export function rsaVerify(modulus: Uint8Array, exponent: Uint8Array, message: Uint8Array, signature: Uint8Array): i32 {
  const key = parseRsaPublicKey(modulus, exponent);
  lastKeyError = rsaKeyError;
  if (key === null) return -1;
  const digest = sha256Digest(message);
  return key.verifyDigest(digest.dataStart, signature.dataStart, signature.length) ? 1 : 0;
}

/** 1 valid, 0 invalid signature, -1 key refused; `signature` is JOSE's raw r || s. */
export function p256Verify(x: Uint8Array, y: Uint8Array, message: Uint8Array, signature: Uint8Array): i32 {
  const key = parseP256PublicKey(x, y);
  lastKeyError = key === null ? "not a P-256 point" : "";
  if (key === null) return -1;
  const digest = sha256Digest(message);
  return verifyP256(key, digest.dataStart, signature.dataStart, signature.length) ? 1 : 0;
}

// A key parsed once and kept, as the filter does at configure time (for timing verification alone).
let preparedRsa: RsaPublicKey | null = null;
let preparedP256: P256PublicKey | null = null;

export function prepareRsaKey(modulus: Uint8Array, exponent: Uint8Array): bool {
  preparedRsa = parseRsaPublicKey(modulus, exponent);
  return preparedRsa !== null;
}

/** Verifies `count` times against the prepared key (bench loops stay inside Wasm); 1 when every check passed. */
export function rsaVerifyPrepared(digest: Uint8Array, signature: Uint8Array, count: i32): i32 {
  let ok = preparedRsa !== null;
  for (let i = 0; i < count && ok; i++) ok = digest.length == 32 && preparedRsa!.verifyDigest(digest.dataStart, signature.dataStart, signature.length);
  return ok ? 1 : 0;
}

export function prepareP256Key(x: Uint8Array, y: Uint8Array): bool {
  preparedP256 = parseP256PublicKey(x, y);
  return preparedP256 !== null;
}

export function p256VerifyPrepared(digest: Uint8Array, signature: Uint8Array, count: i32): i32 {
  let ok = preparedP256 !== null;
  for (let i = 0; i < count && ok; i++) ok = digest.length == 32 && verifyP256(preparedP256!, digest.dataStart, signature.dataStart, signature.length);
  return ok ? 1 : 0;
}
