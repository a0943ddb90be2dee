// ECDSA verification on NIST P-256 with SHA-256 (FIPS 186-5 §6.4.2; curve from SP 800-186
// §3.2.1.3), the ES256 of RFC 7518 §3.4, where the signature is the raw 64-byte r || s.
// Points use Jacobian coordinates (X/Z², Y/Z³) with field elements in Montgomery form, so a
// verification needs two field inversions (Fermat) and no division in the loop.
import { bytesFromLimbs, compareLimbs, isZero, Limbs, limbsFromBytes, Modulus, newLimbs, subtractLimbs } from "./montgomery";

// SP 800-186 §3.2.1.3 constants as little-endian 32-bit limbs (least significant first).
const P: Limbs = [0xffffffff, 0xffffffff, 0xffffffff, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0xffffffff];
const N: Limbs = [0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad, 0xffffffff, 0xffffffff, 0x00000000, 0xffffffff];
const B: Limbs = [0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0, 0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8];
const GX: Limbs = [0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, 0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2];
const GY: Limbs = [0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, 0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2];

/** m - 2 as big-endian bytes: the Fermat inversion exponent (the low limbs of p and n exceed 2). */
function minusTwo(m: Limbs): Uint8Array {
  const out = newLimbs(8);
  memory.copy(changetype<usize>(out), changetype<usize>(m), 32);
  out[0] = out[0] - 2;
  return bytesFromLimbs(out, 32);
}
const P_MINUS_2 = minusTwo(P);
const N_MINUS_2 = minusTwo(N);

const field = new Modulus(P);
const scalars = new Modulus(N);

function fieldElement(plain: Limbs): Limbs { const out = newLimbs(8); field.toMontgomery(out, plain); return out; }
const B_M = fieldElement(B);

/** A point in Jacobian coordinates (Montgomery form); Z = 0 is the point at infinity. */
class Point {
  x: Limbs = newLimbs(8);
  y: Limbs = newLimbs(8);
  z: Limbs = newLimbs(8);
  get infinite(): bool { return isZero(this.z); }
  setAffine(x: Limbs, y: Limbs): Point { copy(this.x, x); copy(this.y, y); copy(this.z, field.one); return this; }
  set(other: Point): Point { copy(this.x, other.x); copy(this.y, other.y); copy(this.z, other.z); return this; }
  setInfinity(): Point { copy(this.x, field.one); copy(this.y, field.one); for (let i = 0; i < 8; i++) this.z[i] = 0; return this; }
}

function copy(out: Limbs, a: Limbs): void { memory.copy(changetype<usize>(out), changetype<usize>(a), 32); }

// Temporaries for the point formulas, allocated once: the filter verifies with no allocation.
const t0 = newLimbs(8), t1 = newLimbs(8), t2 = newLimbs(8), t3 = newLimbs(8), t4 = newLimbs(8);
const t5 = newLimbs(8), t6 = newLimbs(8), t7 = newLimbs(8);

/** p = 2p ("dbl-2001-b", a = -3, from the Explicit-Formulas Database). */
function double(p: Point): void {
  if (p.infinite) return;
  const delta = t0, gamma = t1, beta = t2, alpha = t3;
  field.multiply(delta, p.z, p.z);
  field.multiply(gamma, p.y, p.y);
  field.multiply(beta, p.x, gamma);
  field.subtract(t4, p.x, delta);
  field.add(t5, p.x, delta);
  field.multiply(alpha, t4, t5);
  field.add(t4, alpha, alpha);
  field.add(alpha, t4, alpha); // alpha = 3(X - delta)(X + delta)
  // Z3 = (Y + Z)^2 - gamma - delta
  field.add(t4, p.y, p.z);
  field.multiply(t4, t4, t4);
  field.subtract(t4, t4, gamma);
  field.subtract(p.z, t4, delta);
  // X3 = alpha^2 - 8 beta
  field.add(beta, beta, beta);
  field.add(beta, beta, beta); // beta = 4 beta
  field.multiply(t4, alpha, alpha);
  field.subtract(t4, t4, beta);
  field.subtract(p.x, t4, beta);
  // Y3 = alpha (4 beta - X3) - 8 gamma^2
  field.subtract(t4, beta, p.x);
  field.multiply(t4, alpha, t4);
  field.multiply(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.add(gamma, gamma, gamma);
  field.subtract(p.y, t4, gamma);
}

/** p = p + q ("add-2007-bl"), with the doubling and inverse cases the formula cannot take. */
function add(p: Point, q: Point): void {
  if (q.infinite) return;
  if (p.infinite) { p.set(q); return; }
  const z1z1 = t0, z2z2 = t1, u1 = t2, u2 = t3, s1 = t4, s2 = t5, h = t6, r = t7;
  field.multiply(z1z1, p.z, p.z);
  field.multiply(z2z2, q.z, q.z);
  field.multiply(u1, p.x, z2z2);
  field.multiply(u2, q.x, z1z1);
  field.multiply(s1, p.y, q.z);
  field.multiply(s1, s1, z2z2);
  field.multiply(s2, q.y, p.z);
  field.multiply(s2, s2, z1z1);
  field.subtract(h, u2, u1);
  field.subtract(r, s2, s1);
  if (isZero(h)) {
    if (isZero(r)) double(p); else p.setInfinity();
    return;
  }
  field.add(r, r, r);
  // Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H, computed first while p.z is still Z1.
  field.add(p.z, p.z, q.z);
  field.multiply(p.z, p.z, p.z);
  field.subtract(p.z, p.z, z1z1);
  field.subtract(p.z, p.z, z2z2);
  field.multiply(p.z, p.z, h);
  const i = z1z1, j = z2z2, v = u2;
  field.add(i, h, h);
  field.multiply(i, i, i);
  field.multiply(j, h, i);
  field.multiply(v, u1, i);
  // X3 = r^2 - J - 2V
  field.multiply(p.x, r, r);
  field.subtract(p.x, p.x, j);
  field.subtract(p.x, p.x, v);
  field.subtract(p.x, p.x, v);
  // Y3 = r (V - X3) - 2 S1 J
  field.subtract(v, v, p.x);
  field.multiply(p.y, r, v);
  field.multiply(s1, s1, j);
  field.add(s1, s1, s1);
  field.subtract(p.y, p.y, s1);
}

/** A P-256 public key checked to lie on the curve; construct through parseP256PublicKey. */
export class P256PublicKey {
  readonly point: Point = new Point();
}

/**
 * The key at affine (x, y), each 32 big-endian bytes (JWK `x`/`y`, RFC 7518 §6.2.1), or null
 * when a coordinate is out of range or the point is not on y² = x³ - 3x + b (SP 800-56A §5.6.2.3.3:
 * an off-curve key lets invalid-curve attacks through).
 */
export function parseP256PublicKey(xBytes: Uint8Array, yBytes: Uint8Array): P256PublicKey | null {
  if (xBytes.length != 32 || yBytes.length != 32) return null;
  const x = limbsFromBytes(xBytes, 8)!, y = limbsFromBytes(yBytes, 8)!;
  if (compareLimbs(x, P) >= 0 || compareLimbs(y, P) >= 0) return null;
  const xm = fieldElement(x), ym = fieldElement(y);
  const left = newLimbs(8), right = newLimbs(8), term = newLimbs(8);
  field.multiply(left, ym, ym);
  field.multiply(right, xm, xm);
  field.multiply(right, right, xm);
  field.add(term, xm, xm);
  field.add(term, term, xm);
  field.subtract(right, right, term);
  field.add(right, right, B_M);
  if (compareLimbs(left, right) != 0) return null;
  const key = new P256PublicKey();
  key.point.setAffine(xm, ym);
  return key;
}

const generator = new Point().setAffine(fieldElement(GX), fieldElement(GY));
const sum = new Point();
const accumulator = new Point();
const scalarInverse = newLimbs(8), u1 = newLimbs(8), u2 = newLimbs(8), digestScalar = newLimbs(8);
const zInverse = newLimbs(8), affineX = newLimbs(8);

/** True when `signature` (r || s, 64 bytes) is a valid ES256 signature by `key` over `digest`. */
export function verifyP256(key: P256PublicKey, digest: Uint8Array, signature: Uint8Array): bool {
  if (signature.length != 64 || digest.length != 32) return false;
  const r = limbsFromBytes(signature.subarray(0, 32), 8)!;
  const s = limbsFromBytes(signature.subarray(32, 64), 8)!;
  // FIPS 186-5 §6.4.2 step 2: 1 ≤ r, s ≤ n - 1.
  if (isZero(r) || isZero(s) || compareLimbs(r, N) >= 0 || compareLimbs(s, N) >= 0) return false;
  // e = the digest as an integer (its 256 bits are all used for P-256), reduced below n.
  const e = limbsFromBytes(digest, 8)!;
  if (compareLimbs(e, N) >= 0) subtractLimbs(e, e, N);
  copy(digestScalar, e);
  // w = s^-1 mod n (Fermat: s^(n-2)), kept in Montgomery form so multiplying a plain scalar
  // by it yields a plain product: u1 = e·w, u2 = r·w.
  const sm = newLimbs(8);
  scalars.toMontgomery(sm, s);
  scalars.power(scalarInverse, sm, N_MINUS_2);
  scalars.multiply(u1, digestScalar, scalarInverse);
  scalars.multiply(u2, r, scalarInverse);
  // R = u1·G + u2·Q with one shared doubling chain (Shamir's trick).
  sum.set(generator);
  add(sum, key.point);
  accumulator.setInfinity();
  for (let bit = 255; bit >= 0; bit--) {
    double(accumulator);
    const limb = bit >> 5, shift = <u32>(bit & 31);
    const b1 = (unchecked(u1[limb]) >>> shift) & 1, b2 = (unchecked(u2[limb]) >>> shift) & 1;
    if (b1 != 0 && b2 != 0) add(accumulator, sum);
    else if (b1 != 0) add(accumulator, generator);
    else if (b2 != 0) add(accumulator, key.point);
  }
  if (accumulator.infinite) return false;
  // Affine x = X / Z², brought out of Montgomery form, reduced mod n, must equal r.
  field.power(zInverse, accumulator.z, P_MINUS_2);
  field.multiply(zInverse, zInverse, zInverse);
  field.multiply(affineX, accumulator.x, zInverse);
  field.fromMontgomery(affineX, affineX);
  if (compareLimbs(affineX, N) >= 0) subtractLimbs(affineX, affineX, N);
  return compareLimbs(affineX, r) == 0;
}
