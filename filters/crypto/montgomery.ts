// Modular arithmetic for an odd modulus in Montgomery form (Montgomery 1985; the FIOS loop of
// Koç, Acar and Kaliski, "Analyzing and Comparing Montgomery Multiplication Algorithms", 1996).
// Numbers are little-endian arrays of `limbs` 32-bit words; products go through u64, which
// WebAssembly multiplies natively. One Modulus serves RSA (64–128 limbs) and P-256 (8 limbs).
// Everything here handles public values only (signatures, keys), so it need not be constant-time.

export type Limbs = StaticArray<u32>;

export function newLimbs(count: i32): Limbs {
  return new StaticArray<u32>(count);
}

/** Big-endian bytes to `count` limbs; null when the value needs more limbs. */
export function limbsFromBytes(bytes: Uint8Array, count: i32): Limbs | null {
  const out = newLimbs(count);
  for (let i = 0; i < bytes.length; i++) {
    const byte = <u32>unchecked(bytes[bytes.length - 1 - i]);
    if (byte == 0) continue;
    const limb = i >> 2;
    if (limb >= count) return null;
    unchecked(out[limb] |= byte << (<u32>(i & 3) << 3));
  }
  return out;
}

/** `limbs` as `byteLength` big-endian bytes (the value must fit). */
export function bytesFromLimbs(limbs: Limbs, byteLength: i32): Uint8Array {
  const out = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) {
    const limb = i >> 2;
    if (limb < limbs.length) {
      unchecked(out[byteLength - 1 - i] = <u8>(unchecked(limbs[limb]) >>> (<u32>(i & 3) << 3)));
    }
  }
  return out;
}

/** -1, 0 or 1 as a <, = or > b (same limb count). */
export function compareLimbs(a: Limbs, b: Limbs): i32 {
  const ap = changetype<usize>(a), bp = changetype<usize>(b);
  for (let i = a.length - 1; i >= 0; i--) {
    const x = load<u32>(ap + (<usize>i << 2)), y = load<u32>(bp + (<usize>i << 2));
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function isZero(a: Limbs): bool {
  const ap = changetype<usize>(a);
  let any: u32 = 0;
  for (let i = 0; i < a.length; i++) any |= load<u32>(ap + (<usize>i << 2));
  return any == 0;
}

/** out = a - b over the limbs, returning the borrow (1 when a < b). `out` may alias a or b. */
export function subtractLimbs(out: Limbs, a: Limbs, b: Limbs): u32 {
  const op = changetype<usize>(out), ap = changetype<usize>(a), bp = changetype<usize>(b);
  const bytes = <usize>a.length << 2;
  let borrow: u64 = 0;
  for (let i: usize = 0; i < bytes; i += 4) {
    const difference = <u64>load<u32>(ap + i) - <u64>load<u32>(bp + i) - borrow;
    store<u32>(op + i, <u32>difference);
    borrow = difference >>> 63;
  }
  return <u32>borrow;
}

/** Number of significant bits. */
export function bitLength(a: Limbs): i32 {
  for (let i = a.length - 1; i >= 0; i--) {
    const limb = unchecked(a[i]);
    if (limb != 0) return i * 32 + 32 - <i32>clz<u32>(limb);
  }
  return 0;
}

/** x = 2x mod m, for x < m. */
function doubleModulo(x: Limbs, m: Limbs): void {
  let carry: u32 = 0;
  for (let i = 0; i < x.length; i++) {
    const limb = unchecked(x[i]);
    unchecked(x[i] = (limb << 1) | carry);
    carry = limb >>> 31;
  }
  if (carry != 0 || compareLimbs(x, m) >= 0) subtractLimbs(x, x, m);
}

export class Modulus {
  readonly limbs: i32;
  readonly modulus: Limbs;
  /** -modulus^-1 mod 2^32, the per-limb reduction factor of CIOS. */
  private readonly inverse: u32;
  /** R^2 mod modulus with R = 2^(32·limbs), to enter Montgomery form with one multiplication. */
  private readonly rSquared: Limbs;
  /** R mod modulus: 1 in Montgomery form. */
  readonly one: Limbs;
  private readonly scratch: StaticArray<u32>;
  private readonly unit: Limbs;

  /** `modulus` must be odd and have a non-zero top limb. */
  constructor(modulus: Limbs) {
    const count = modulus.length;
    this.limbs = count;
    this.modulus = modulus;
    this.scratch = new StaticArray<u32>(count + 1);
    // Newton's iteration doubles the correct low bits of x = m0^-1 each step: 1 -> 32 in 5.
    const m0 = unchecked(modulus[0]);
    let x: u32 = 1;
    for (let i = 0; i < 5; i++) x = x * (2 - m0 * x);
    this.inverse = 0 - x;
    // R^2 mod m by doubling 1 modulo m, 2·32·limbs times: done once per key, at config time.
    const r2 = newLimbs(count);
    r2[0] = 1;
    for (let i = 0; i < 64 * count; i++) doubleModulo(r2, modulus);
    this.rSquared = r2;
    const unit = newLimbs(count);
    unit[0] = 1;
    this.unit = unit;
    this.one = newLimbs(count);
    this.multiply(this.one, unit, r2);
  }

  /**
   * out = a·b·R^-1 mod m, for a, b < m. `out` may alias a or b. The product and the reduction
   * are interleaved row by row, so the scratch stays limbs + 1 words. (A dedicated squaring
   * that computes each cross product once measured no faster here: it moves more memory.)
   */
  multiply(out: Limbs, a: Limbs, b: Limbs): void {
    // Raw loads and stores on the limb buffers: this loop is the whole cost of RSA and ECDSA,
    // and indexed access through the managed arrays adds work per limb in AssemblyScript.
    // FIOS form (Koç et al. §5): the product row and the reduction row share one pass over t,
    // so each limb of t is loaded and stored once per row. Invariant: t < 2m after every row.
    const count = <usize>this.limbs;
    const t = changetype<usize>(this.scratch);
    const m = changetype<usize>(this.modulus);
    const ap = changetype<usize>(a);
    const bp = changetype<usize>(b);
    const inverse = this.inverse;
    const top = t + (count << 2);
    memory.fill(t, 0, (count + 1) << 2);
    for (let i: usize = 0; i < count; i++) {
      const ai = <u64>load<u32>(ap + (i << 2));
      let product = <u64>load<u32>(t) + ai * <u64>load<u32>(bp);
      let productCarry = product >>> 32;
      const factor = <u64>(<u32>product * inverse);
      let reduced = (product & 0xffffffff) + factor * <u64>load<u32>(m);
      let reducedCarry = reduced >>> 32;
      for (let j: usize = 4; j < (count << 2); j += 4) {
        product = <u64>load<u32>(t + j) + ai * <u64>load<u32>(bp + j) + productCarry;
        productCarry = product >>> 32;
        reduced = (product & 0xffffffff) + factor * <u64>load<u32>(m + j) + reducedCarry;
        reducedCarry = reduced >>> 32;
        store<u32>(t + j - 4, <u32>reduced);
      }
      const last = <u64>load<u32>(top) + productCarry + reducedCarry;
      store<u32>(top - 4, <u32>last);
      store<u32>(top, <u32>(last >>> 32));
    }
    this.reduceOnce(out, t);
  }

  /** out = the (limbs + 1)-word value at `value` minus m when it is at least m (it is below 2m). */
  private reduceOnce(out: Limbs, value: usize): void {
    const count = <usize>this.limbs;
    const m = changetype<usize>(this.modulus);
    let geq = load<u32>(value + (count << 2)) != 0;
    if (!geq) {
      geq = true;
      for (let i = <isize>count - 1; i >= 0; i--) {
        const x = load<u32>(value + (<usize>i << 2)), y = load<u32>(m + (<usize>i << 2));
        if (x != y) { geq = x > y; break; }
      }
    }
    const op = changetype<usize>(out);
    if (geq) {
      let borrow: u64 = 0;
      for (let i: usize = 0; i < count; i++) {
        const difference = <u64>load<u32>(value + (i << 2)) - <u64>load<u32>(m + (i << 2)) - borrow;
        store<u32>(op + (i << 2), <u32>difference);
        borrow = difference >>> 63;
      }
    } else {
      memory.copy(op, value, count << 2);
    }
  }

  /** out = a·R mod m (into Montgomery form), for a < m. */
  toMontgomery(out: Limbs, a: Limbs): void {
    this.multiply(out, a, this.rSquared);
  }

  /** out = a·R^-1 mod m (out of Montgomery form). */
  fromMontgomery(out: Limbs, a: Limbs): void {
    this.multiply(out, a, this.unit);
  }

  /** out = a + b mod m, for a, b < m (form-agnostic). */
  add(out: Limbs, a: Limbs, b: Limbs): void {
    const op = changetype<usize>(out), ap = changetype<usize>(a), bp = changetype<usize>(b);
    const bytes = <usize>this.limbs << 2;
    let carry: u64 = 0;
    for (let i: usize = 0; i < bytes; i += 4) {
      const sum = <u64>load<u32>(ap + i) + <u64>load<u32>(bp + i) + carry;
      store<u32>(op + i, <u32>sum);
      carry = sum >>> 32;
    }
    if (carry != 0 || compareLimbs(out, this.modulus) >= 0) subtractLimbs(out, out, this.modulus);
  }

  /** out = a - b mod m, for a, b < m (form-agnostic). */
  subtract(out: Limbs, a: Limbs, b: Limbs): void {
    if (subtractLimbs(out, a, b) != 0) {
      const op = changetype<usize>(out), mp = changetype<usize>(this.modulus);
      const bytes = <usize>this.limbs << 2;
      let carry: u64 = 0;
      for (let i: usize = 0; i < bytes; i += 4) {
        const sum = <u64>load<u32>(op + i) + <u64>load<u32>(mp + i) + carry;
        store<u32>(op + i, <u32>sum);
        carry = sum >>> 32;
      }
    }
  }

  /**
   * out = base^exponent in Montgomery form (base in Montgomery form), left-to-right
   * square-and-multiply over the big-endian exponent bytes. `out` must not alias `base`.
   */
  power(out: Limbs, base: Limbs, exponent: Uint8Array): void {
    memory.copy(changetype<usize>(out), changetype<usize>(this.one), <usize>this.limbs << 2);
    let started = false;
    for (let i = 0; i < exponent.length; i++) {
      const byte = unchecked(exponent[i]);
      for (let bit = 7; bit >= 0; bit--) {
        if (started) this.multiply(out, out, out);
        if (((byte >> <u8>bit) & 1) != 0) {
          this.multiply(out, out, base);
          started = true;
        }
      }
    }
  }
}
