// ECDSA verification on NIST P-256 with SHA-256 (FIPS 186-5 §6.4.2; curve from SP 800-186
// §3.2.1.3), the ES256 of RFC 7518 §3.4, where the signature is the raw 64-byte r || s.
// Points use Jacobian coordinates (X/Z², Y/Z³) with field elements in Montgomery form, so a
// verification needs two field inversions (Fermat) and no division in the loop. Field elements
// are 8 little-endian 32-bit limbs at raw addresses (static memory, or a key's own storage); a
// point is X, Y, Z at byte offsets 0, 32, 64. Verification allocates nothing.
import { bytesFromLimbs, compareLimbs, isZero, limbsFromBytes, Modulus, subtractLimbs } from "./montgomery";

// SP 800-186 §3.2.1.3 constants as little-endian 32-bit limbs (least significant first).
const P: usize = memory.data<u32>([0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff]);
const N: usize = memory.data<u32>([0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff]);
const B: usize = memory.data<u32>([0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8]);
const GX: usize = memory.data<u32>([0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2]);
const GY: usize = memory.data<u32>([0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2]);

const LIMBS = 8;
const SIZE: usize = 32;
const Y: usize = 32;
const Z: usize = 64;

// Temporaries of the point formulas and of verification (one verification at a time per VM).
const T0: usize = memory.data(32), T1: usize = memory.data(32), T2: usize = memory.data(32), T3: usize = memory.data(32);
const T4: usize = memory.data(32), T5: usize = memory.data(32), T6: usize = memory.data(32), T7: usize = memory.data(32);
const R: usize = memory.data(32), S: usize = memory.data(32), U1: usize = memory.data(32), U2: usize = memory.data(32);
const W: usize = memory.data(32), AFFINE_X: usize = memory.data(32);
const P_MINUS_2: usize = memory.data(32), N_MINUS_2: usize = memory.data(32), B_MONTGOMERY: usize = memory.data(32);
const GENERATOR: usize = memory.data(96), SUM: usize = memory.data(96), ACCUMULATOR: usize = memory.data(96);

function copy(out: usize, a: usize): void { memory.copy(out, a, SIZE); }

function modulusOf(m: usize): Modulus {
  const modulus = new Modulus(LIMBS);
  copy(modulus.modulus, m);
  return modulus.prepare();
}
const field = modulusOf(P);
const scalars = modulusOf(N);

/** out = m - 2 as big-endian bytes: the Fermat inversion exponent (the low limbs of p and n exceed 2). */
function minusTwo(out: usize, m: usize): void {
  copy(T0, m);
  store<u32>(T0, load<u32>(T0) - 2);
  bytesFromLimbs(out, 32, T0, LIMBS);
}
minusTwo(P_MINUS_2, P);
minusTwo(N_MINUS_2, N);
field.toMontgomery(B_MONTGOMERY, B);

function isInfinite(p: usize): bool { return isZero(p + Z, LIMBS); }
function setInfinity(p: usize): void { copy(p, field.one); copy(p + Y, field.one); memory.fill(p + Z, 0, SIZE); }
/** Sets p to the affine point (x, y), both in Montgomery form. */
function setAffine(p: usize, x: usize, y: usize): void { copy(p, x); copy(p + Y, y); copy(p + Z, field.one); }

/** p = 2p ("dbl-2001-b", a = -3, from the Explicit-Formulas Database). */
function double(p: usize): void {
  if (isInfinite(p)) return;
  const x = p, y = p + Y, z = p + Z;
  const delta = T0, gamma = T1, beta = T2, alpha = T3;
  field.multiply(delta, z, z);
  field.multiply(gamma, y, y);
  field.multiply(beta, x, gamma);
  field.subtract(T4, x, delta);
  field.add(T5, x, delta);
  field.multiply(alpha, T4, T5);
  field.add(T4, alpha, alpha);
  field.add(alpha, T4, alpha); // alpha = 3(X - delta)(X + delta)
  // Z3 = (Y + Z)^2 - gamma - delta
  field.add(T4, y, z);
  field.multiply(T4, T4, T4);
  field.subtract(T4, T4, gamma);
  field.subtract(z, T4, delta);
  // X3 = alpha^2 - 8 beta
  field.add(beta, beta, beta);
  field.add(beta, beta, beta); // beta = 4 beta
  field.multiply(T4, alpha, alpha);
  field.subtract(T4, T4, beta);
  field.subtract(x, T4, beta);
  // Y3 = alpha (4 beta - X3) - 8 gamma^2
  field.subtract(T4, beta, x);
  field.multiply(T4, alpha, T4);
  field.multiply(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.subtract(y, T4, gamma);
}

/** p = p + q ("add-2007-bl"), with the doubling and inverse cases the formula cannot take. */
function add(p: usize, q: usize): void {
  if (isInfinite(q)) return;
  if (isInfinite(p)) { memory.copy(p, q, 3 * SIZE); return; }
  const x = p, y = p + Y, z = p + Z;
  const z1z1 = T0, z2z2 = T1, u1 = T2, u2 = T3, s1 = T4, s2 = T5, h = T6, r = T7;
  field.multiply(z1z1, z, z);
  field.multiply(z2z2, q + Z, q + Z);
  field.multiply(u1, x, z2z2);
  field.multiply(u2, q, z1z1);
  field.multiply(s1, y, q + Z);
  field.multiply(s1, s1, z2z2);
  field.multiply(s2, q + Y, z);
  field.multiply(s2, s2, z1z1);
  field.subtract(h, u2, u1);
  field.subtract(r, s2, s1);
  if (isZero(h, LIMBS)) {
    if (isZero(r, LIMBS)) double(p); else setInfinity(p);
    return;
  }
  field.add(r, r, r);
  // Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H, computed first while z is still Z1.
  field.add(z, z, q + Z);
  field.multiply(z, z, z);
  field.subtract(z, z, z1z1);
  field.subtract(z, z, z2z2);
  field.multiply(z, z, h);
  const i = z1z1, j = z2z2, v = u2;
  field.add(i, h, h);
  field.multiply(i, i, i);
  field.multiply(j, h, i);
  field.multiply(v, u1, i);
  // X3 = r^2 - J - 2V
  field.multiply(x, r, r);
  field.subtract(x, x, j);
  field.subtract(x, x, v);
  field.subtract(x, x, v);
  // Y3 = r (V - X3) - 2 S1 J
  field.subtract(v, v, x);
  field.multiply(y, r, v);
  field.multiply(s1, s1, j);
  field.add(s1, s1, s1);
  field.subtract(y, y, s1);
}

/** A P-256 public key checked to lie on the curve; construct through parseP256PublicKey. */
export class P256PublicKey {
  /** The point (X, Y, Z in Montgomery form, Z = 1). */
  readonly point: StaticArray<u8> = new StaticArray<u8>(96);
}

/**
 * The key at affine (x, y), each 32 big-endian bytes (JWK `x`/`y`, RFC 7518 §6.2.1), or null
 * when a coordinate is out of range or the point is not on y² = x³ - 3x + b (SP 800-56A §5.6.2.3.3:
 * an off-curve key lets invalid-curve attacks through).
 */
export function parseP256PublicKey(xBytes: Uint8Array, yBytes: Uint8Array): P256PublicKey | null {
  const key = new P256PublicKey(); // allocated before any raw pointer is taken
  if (xBytes.length != 32 || yBytes.length != 32) return null;
  const x = T6, y = T7, left = T0, right = T1, term = T2;
  limbsFromBytes(x, LIMBS, xBytes.dataStart, 32);
  limbsFromBytes(y, LIMBS, yBytes.dataStart, 32);
  if (compareLimbs(x, P, LIMBS) >= 0 || compareLimbs(y, P, LIMBS) >= 0) return null;
  field.toMontgomery(x, x);
  field.toMontgomery(y, y);
  field.multiply(left, y, y);
  field.multiply(right, x, x);
  field.multiply(right, right, x);
  field.add(term, x, x);
  field.add(term, term, x);
  field.subtract(right, right, term);
  field.add(right, right, B_MONTGOMERY);
  if (compareLimbs(left, right, LIMBS) != 0) return null;
  setAffine(changetype<usize>(key.point), x, y);
  return key;
}

field.toMontgomery(T0, GX);
field.toMontgomery(T1, GY);
setAffine(GENERATOR, T0, T1);

/** True when the 64 bytes at `signature` (r || s) are a valid ES256 signature by `key` over SHA-256 `digest` (32 bytes). */
export function verifyP256(key: P256PublicKey, digest: usize, signature: usize, signatureLength: i32): bool {
  if (signatureLength != 64) return false;
  const q = changetype<usize>(key.point);
  limbsFromBytes(R, LIMBS, signature, 32);
  limbsFromBytes(S, LIMBS, signature + 32, 32);
  // FIPS 186-5 §6.4.2 step 2: 1 ≤ r, s ≤ n - 1.
  if (isZero(R, LIMBS) || isZero(S, LIMBS) || compareLimbs(R, N, LIMBS) >= 0 || compareLimbs(S, N, LIMBS) >= 0) return false;
  // e = the digest as an integer (its 256 bits are all used for P-256), reduced below n.
  const e = T0;
  limbsFromBytes(e, LIMBS, digest, 32);
  if (compareLimbs(e, N, LIMBS) >= 0) subtractLimbs(e, e, N, LIMBS);
  // w = s^-1 mod n (Fermat: s^(n-2)), kept in Montgomery form so multiplying a plain scalar
  // by it yields a plain product: u1 = e·w, u2 = r·w.
  scalars.toMontgomery(T1, S);
  scalars.power(W, T1, N_MINUS_2, 32);
  scalars.multiply(U1, e, W);
  scalars.multiply(U2, R, W);
  // R = u1·G + u2·Q with one shared doubling chain (Shamir's trick).
  memory.copy(SUM, GENERATOR, 3 * SIZE);
  add(SUM, q);
  setInfinity(ACCUMULATOR);
  for (let bit = 255; bit >= 0; bit--) {
    double(ACCUMULATOR);
    const offset = <usize>(bit >> 5) << 2, shift = <u32>(bit & 31);
    const b1 = (load<u32>(U1 + offset) >>> shift) & 1, b2 = (load<u32>(U2 + offset) >>> shift) & 1;
    if (b1 != 0 && b2 != 0) add(ACCUMULATOR, SUM);
    else if (b1 != 0) add(ACCUMULATOR, GENERATOR);
    else if (b2 != 0) add(ACCUMULATOR, q);
  }
  if (isInfinite(ACCUMULATOR)) return false;
  // Affine x = X / Z², brought out of Montgomery form, reduced mod n, must equal r.
  field.power(T6, ACCUMULATOR + Z, P_MINUS_2, 32);
  field.multiply(T6, T6, T6);
  field.multiply(AFFINE_X, ACCUMULATOR, T6);
  field.fromMontgomery(AFFINE_X, AFFINE_X);
  if (compareLimbs(AFFINE_X, N, LIMBS) >= 0) subtractLimbs(AFFINE_X, AFFINE_X, N, LIMBS);
  return compareLimbs(AFFINE_X, R, LIMBS) == 0;
}
