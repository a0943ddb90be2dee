// RSASSA-PKCS1-v1_5 signature verification with SHA-256 (RFC 8017 §8.2.2), the RS256 of
// RFC 7518 §3.3. Verification re-encodes the expected EMSA-PKCS1-v1_5 block (RFC 8017 §9.2)
// and compares it whole, instead of parsing the decrypted block: parsing is where
// Bleichenbacher-style signature forgeries (garbage after the digest, loose DigestInfo) live.
import { constantTimeEqual } from "./compare";
import { bitLength, compareLimbs, limbsFromBytes, bytesFromLimbs, Limbs, Modulus, newLimbs } from "./montgomery";

// DER prefix of DigestInfo{ sha256, digest } (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: StaticArray<u8> = [
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
];

export const RSA_MIN_BITS: i32 = 2048;
export const RSA_MAX_BITS: i32 = 4096;

/** A parsed RSA public key; construct through parseRsaPublicKey. */
export class RsaPublicKey {
  /** Modulus length in bytes (k of RFC 8017): every signature must be exactly this long. */
  readonly byteLength: i32;
  private readonly arithmetic: Modulus;
  private readonly exponent: Uint8Array;
  private readonly base: Limbs;
  private readonly result: Limbs;

  constructor(modulus: Limbs, bits: i32, exponent: Uint8Array) {
    this.byteLength = (bits + 7) >> 3;
    this.arithmetic = new Modulus(modulus);
    this.exponent = exponent;
    this.base = newLimbs(modulus.length);
    this.result = newLimbs(modulus.length);
  }

  /** True when `signature` is a valid RS256 signature by this key over a message with `digest`. */
  verifyDigest(digest: Uint8Array, signature: Uint8Array): bool {
    if (signature.length != this.byteLength || digest.length != 32) return false;
    const math = this.arithmetic;
    const s = limbsFromBytes(signature, math.limbs);
    // RFC 8017 §5.2.2 RSAVP1 step 1: the representative must be below the modulus.
    if (s === null || compareLimbs(s, math.modulus) >= 0) return false;
    math.toMontgomery(this.base, s);
    math.power(this.result, this.base, this.exponent);
    math.fromMontgomery(this.result, this.result);
    return constantTimeEqual(bytesFromLimbs(this.result, this.byteLength), encodeExpected(digest, this.byteLength));
  }
}

/** EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo || digest, `length` bytes. */
function encodeExpected(digest: Uint8Array, length: i32): Uint8Array {
  const em = new Uint8Array(length);
  const prefix = SHA256_DIGEST_INFO.length;
  const digestStart = length - 32;
  const infoStart = digestStart - prefix;
  em[1] = 0x01;
  for (let i = 2; i < infoStart - 1; i++) unchecked(em[i] = 0xff);
  for (let i = 0; i < prefix; i++) unchecked(em[infoStart + i] = SHA256_DIGEST_INFO[i]);
  for (let i = 0; i < 32; i++) unchecked(em[digestStart + i] = digest[i]);
  return em;
}

/** Why parseRsaPublicKey refused a key, or "" when it accepted it. */
export let rsaKeyError: string = "";

/**
 * A key from big-endian modulus and exponent bytes (JWK `n` and `e`, RFC 7518 §6.3.1), or null
 * with rsaKeyError set. Accepts 2048–4096-bit odd moduli and odd exponents 3 ≤ e < 2^32.
 */
export function parseRsaPublicKey(modulusBytes: Uint8Array, exponentBytes: Uint8Array): RsaPublicKey | null {
  let start = 0;
  while (start < modulusBytes.length && modulusBytes[start] == 0) start++;
  const significant = modulusBytes.length - start;
  const limbCount = (significant + 3) >> 2;
  if (limbCount == 0) { rsaKeyError = "modulus is zero"; return null; }
  const modulus = limbsFromBytes(modulusBytes, limbCount)!;
  const bits = bitLength(modulus);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    rsaKeyError = "modulus has " + bits.toString() + " bits, expected " + RSA_MIN_BITS.toString() + " to " + RSA_MAX_BITS.toString();
    return null;
  }
  if ((modulus[0] & 1) == 0) { rsaKeyError = "modulus is even"; return null; }
  let exponentStart = 0;
  while (exponentStart < exponentBytes.length && exponentBytes[exponentStart] == 0) exponentStart++;
  const exponent = exponentBytes.subarray(exponentStart);
  if (exponent.length == 0 || exponent.length > 4 || (exponent[exponent.length - 1] & 1) == 0 || (exponent.length == 1 && exponent[0] < 3)) {
    rsaKeyError = "exponent must be odd, at least 3 and below 2^32";
    return null;
  }
  rsaKeyError = "";
  return new RsaPublicKey(modulus, bits, exponent.slice());
}
