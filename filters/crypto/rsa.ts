// RSASSA-PKCS1-v1_5 signature verification with SHA-256 (RFC 8017 §8.2.2), the RS256 of
// RFC 7518 §3.3. Verification re-encodes the expected EMSA-PKCS1-v1_5 block (RFC 8017 §9.2)
// and compares it whole, instead of parsing the decrypted block: parsing is where
// Bleichenbacher-style signature forgeries (garbage after the digest, loose DigestInfo) live.
import { accumulatedDifferenceRaw } from "./compare";
import { bitLength, bytesFromLimbs, compareLimbs, limbsFromBytes, MAX_LIMBS, Modulus } from "./montgomery";

// DER prefix of DigestInfo{ sha256, digest } (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: usize = memory.data<u8>([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
]);
const DIGEST_INFO_BYTES: i32 = 19;

export const RSA_MIN_BITS: i32 = 2048;
export const RSA_MAX_BITS: i32 = 4096;

// Verification scratch (one verification at a time per VM): the signature as a number, its
// Montgomery form, s^e, and both encoded blocks.
const MAX_BYTES: usize = <usize>MAX_LIMBS << 2;
const SIGNATURE: usize = memory.data(<i32>MAX_BYTES);
const BASE: usize = memory.data(<i32>MAX_BYTES);
const RESULT: usize = memory.data(<i32>MAX_BYTES);
const RECOVERED: usize = memory.data(<i32>MAX_BYTES);
const EXPECTED: usize = memory.data(<i32>MAX_BYTES);

/** A parsed RSA public key; construct through parseRsaPublicKey. */
export class RsaPublicKey {
  /** Modulus length in bytes (k of RFC 8017): every signature must be exactly this long. */
  readonly byteLength: i32;
  private readonly arithmetic: Modulus;
  /** Big-endian exponent bytes (1 to 4). */
  private readonly exponent: Uint8Array;

  constructor(arithmetic: Modulus, bits: i32, exponent: Uint8Array) {
    this.byteLength = (bits + 7) >> 3;
    this.arithmetic = arithmetic;
    this.exponent = exponent;
  }

  /** True when the `signatureLength` bytes at `signature` are a valid RS256 signature over a message with SHA-256 `digest` (32 bytes). */
  verifyDigest(digest: usize, signature: usize, signatureLength: i32): bool {
    const length = this.byteLength;
    if (signatureLength != length) return false;
    const math = this.arithmetic;
    const limbs = math.limbs;
    // RFC 8017 §5.2.2 RSAVP1 step 1: the representative must be below the modulus.
    if (!limbsFromBytes(SIGNATURE, limbs, signature, length) || compareLimbs(SIGNATURE, math.modulus, limbs) >= 0) return false;
    math.toMontgomery(BASE, SIGNATURE);
    math.power(RESULT, BASE, this.exponent.dataStart, this.exponent.length);
    math.fromMontgomery(RESULT, RESULT);
    bytesFromLimbs(RECOVERED, length, RESULT, limbs);
    // EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo || digest.
    const infoStart = <usize>(length - 32 - DIGEST_INFO_BYTES);
    store<u16>(EXPECTED, 0x0100);
    memory.fill(EXPECTED + 2, 0xff, infoStart - 3);
    store<u8>(EXPECTED + infoStart - 1, 0);
    memory.copy(EXPECTED + infoStart, SHA256_DIGEST_INFO, DIGEST_INFO_BYTES);
    memory.copy(EXPECTED + infoStart + DIGEST_INFO_BYTES, digest, 32);
    return accumulatedDifferenceRaw(RECOVERED, EXPECTED, length) == 0;
  }
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
  const bits = significant == 0 ? 0 : significant * 8 - (<i32>clz<u32>(modulusBytes[start]) - 24);
  let exponentStart = 0;
  while (exponentStart < exponentBytes.length && exponentBytes[exponentStart] == 0) exponentStart++;
  const exponent = exponentBytes.slice(exponentStart);
  const length = exponent.length;
  rsaKeyError = "";
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    rsaKeyError = "modulus has " + bits.toString() + " bits, expected " + RSA_MIN_BITS.toString() + " to " + RSA_MAX_BITS.toString();
  } else if ((modulusBytes[modulusBytes.length - 1] & 1) == 0) {
    rsaKeyError = "modulus is even";
  } else if (length == 0 || length > 4 || (exponent[length - 1] & 1) == 0 || (length == 1 && exponent[0] < 3)) {
    rsaKeyError = "exponent must be odd, at least 3 and below 2^32";
  }
  if (rsaKeyError.length > 0) return null;
  const limbs = (significant + 3) >> 2;
  const arithmetic = new Modulus(limbs);
  limbsFromBytes(arithmetic.modulus, limbs, modulusBytes.dataStart + <usize>start, significant);
  return new RsaPublicKey(arithmetic.prepare(), bits, exponent);
}
