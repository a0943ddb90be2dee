// Modular arithmetic for an odd modulus in Montgomery form (Montgomery 1985; the FIOS loop of
// Koç, Acar and Kaliski, "Analyzing and Comparing Montgomery Multiplication Algorithms", 1996).
// Numbers are little-endian runs of `limbs` 32-bit words addressed by raw pointers (static
// buffers or a key's own storage); products go through u64, which WebAssembly multiplies
// natively. One Modulus serves RSA (64–128 limbs) and P-256 (8 limbs). Raw pointers instead of
// managed arrays: this code allocates nothing per operation, and AssemblyScript adds no GC
// bookkeeping around calls that only pass integers. Everything here handles public values only
// (signatures, keys), so it need not be constant-time.
// Why row by row and without a dedicated squaring: BENCHMARKS.md, "Measurements behind code
// choices" (the alternatives measured no faster).

/** The largest modulus handled (RSA 4096): 128 limbs. */
export const MAX_LIMBS: i32 = 128;

/** The plain number 1 over MAX_LIMBS limbs (multiplying by it leaves Montgomery form). */
const PLAIN_ONE: usize = memory.data(MAX_LIMBS << 2);
store<u32>(PLAIN_ONE, 1);

/** Big-endian `byteLength` bytes at `bytes` into `limbs` limbs at `out`; false when the value needs more limbs. */
export function limbsFromBytes(out: usize, limbs: i32, bytes: usize, byteLength: i32): bool {
  memory.fill(out, 0, <usize>limbs << 2);
  for (let i = 0; i < byteLength; i++) {
    const byte = <u32>load<u8>(bytes + <usize>(byteLength - 1 - i));
    if (byte == 0) continue;
    if ((i >> 2) >= limbs) return false;
    const at = out + (<usize>(i >> 2) << 2);
    store<u32>(at, load<u32>(at) | (byte << (<u32>(i & 3) << 3)));
  }
  return true;
}

/** The `limbs` limbs at `value` as `byteLength` big-endian bytes at `out` (the value must fit). */
export function bytesFromLimbs(out: usize, byteLength: i32, value: usize, limbs: i32): void {
  for (let i = 0; i < byteLength; i++) {
    const byte = (i >> 2) < limbs ? <u8>(load<u32>(value + (<usize>(i >> 2) << 2)) >>> (<u32>(i & 3) << 3)) : 0;
    store<u8>(out + <usize>(byteLength - 1 - i), byte);
  }
}

/** -1, 0 or 1 as a <, = or > b. */
export function compareLimbs(a: usize, b: usize, limbs: i32): i32 {
  for (let i = <usize>limbs << 2; i > 0; ) {
    i -= 4;
    const x = load<u32>(a + i), y = load<u32>(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

export function isZero(a: usize, limbs: i32): bool {
  let any: u32 = 0;
  for (let i: usize = 0; i < (<usize>limbs << 2); i += 4) any |= load<u32>(a + i);
  return any == 0;
}

/** out = a - b, returning the borrow (1 when a < b). `out` may alias a or b. */
export function subtractLimbs(out: usize, a: usize, b: usize, limbs: i32): u32 {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < (<usize>limbs << 2); i += 4) {
    const difference = <u64>load<u32>(a + i) - <u64>load<u32>(b + i) - borrow;
    store<u32>(out + i, <u32>difference);
    borrow = difference >>> 63;
  }
  return <u32>borrow;
}

/** out = a + b, returning the carry. `out` may alias a or b. */
function addLimbs(out: usize, a: usize, b: usize, limbs: i32): u32 {
  let carry: u64 = 0;
  for (let i: usize = 0; i < (<usize>limbs << 2); i += 4) {
    const sum = <u64>load<u32>(a + i) + <u64>load<u32>(b + i) + carry;
    store<u32>(out + i, <u32>sum);
    carry = sum >>> 32;
  }
  return <u32>carry;
}

/** Number of significant bits. */
export function bitLength(a: usize, limbs: i32): i32 {
  for (let i = limbs - 1; i >= 0; i--) {
    const limb = load<u32>(a + (<usize>i << 2));
    if (limb != 0) return i * 32 + 32 - <i32>clz<u32>(limb);
  }
  return 0;
}

export class Modulus {
  readonly limbs: i32;
  /** The modulus, R mod m (1 in Montgomery form), R² mod m and the multiplication scratch, all in `storage`. */
  readonly modulus: usize;
  readonly one: usize;
  private readonly rSquared: usize;
  private readonly scratch: usize;
  /** -modulus^-1 mod 2^32, the per-limb reduction factor. */
  private inverse: u32 = 0;
  private readonly storage: StaticArray<u32>;

  /**
   * Storage for a modulus of `limbs` limbs: write the modulus (odd, top limb non-zero) at
   * `modulus`, then call prepare(). (Two steps so the caller copies into memory this object
   * already owns: no raw pointer to another managed buffer is held across an allocation.)
   */
  constructor(limbs: i32) {
    this.limbs = limbs;
    const storage = new StaticArray<u32>(limbs * 4 + 1);
    this.storage = storage;
    const base = changetype<usize>(storage);
    const size = <usize>limbs << 2;
    this.modulus = base;
    this.one = base + size;
    this.rSquared = base + 2 * size;
    this.scratch = base + 3 * size;
  }

  /** Derives the constants of the modulus now at `modulus` (once per key, at configuration time). */
  prepare(): Modulus {
    // Newton's iteration doubles the correct low bits of x = m0^-1 each step: 1 -> 32 in 5.
    const m0 = load<u32>(this.modulus);
    let x: u32 = 1;
    for (let i = 0; i < 5; i++) x = x * (2 - m0 * x);
    this.inverse = 0 - x;
    // R² mod m by doubling 1 modulo m, 2·32·limbs times.
    const r2 = this.rSquared;
    store<u32>(r2, 1);
    for (let i = 0; i < 64 * this.limbs; i++) this.add(r2, r2, r2);
    this.multiply(this.one, PLAIN_ONE, r2);
    return this;
  }

  /**
   * out = a·b·R^-1 mod m, for a, b < m. `out` may alias a or b. The product and the reduction
   * are interleaved row by row (FIOS, Koç et al. §5), so each limb of the scratch t is loaded
   * and stored once per row and t stays limbs + 1 words; invariant: t < 2m after every row.
   */
  multiply(out: usize, a: usize, b: usize): void {
    const size = <usize>this.limbs << 2;
    const t = this.scratch;
    const m = this.modulus;
    const inverse = this.inverse;
    const top = t + size;
    memory.fill(t, 0, size + 4);
    for (let i: usize = 0; i < size; i += 4) {
      const ai = <u64>load<u32>(a + i);
      let product = <u64>load<u32>(t) + ai * <u64>load<u32>(b);
      let productCarry = product >>> 32;
      const factor = <u64>(<u32>product * inverse);
      let reduced = (product & 0xffffffff) + factor * <u64>load<u32>(m);
      let reducedCarry = reduced >>> 32;
      for (let j: usize = 4; j < size; j += 4) {
        product = <u64>load<u32>(t + j) + ai * <u64>load<u32>(b + j) + productCarry;
        productCarry = product >>> 32;
        reduced = (product & 0xffffffff) + factor * <u64>load<u32>(m + j) + reducedCarry;
        reducedCarry = reduced >>> 32;
        store<u32>(t + j - 4, <u32>reduced);
      }
      const last = <u64>load<u32>(top) + productCarry + reducedCarry;
      store<u32>(top - 4, <u32>last);
      store<u32>(top, <u32>(last >>> 32));
    }
    // t < 2m: one conditional subtraction (the top word set means t ≥ R > m).
    if (load<u32>(top) != 0 || compareLimbs(t, m, this.limbs) >= 0) subtractLimbs(out, t, m, this.limbs);
    else memory.copy(out, t, size);
  }

  /** out = a·R mod m (into Montgomery form), for a < m. */
  toMontgomery(out: usize, a: usize): void {
    this.multiply(out, a, this.rSquared);
  }

  /** out = a·R^-1 mod m (out of Montgomery form). */
  fromMontgomery(out: usize, a: usize): void {
    this.multiply(out, a, PLAIN_ONE);
  }

  /** out = a + b mod m, for a, b < m (form-agnostic). */
  add(out: usize, a: usize, b: usize): void {
    if (addLimbs(out, a, b, this.limbs) != 0 || compareLimbs(out, this.modulus, this.limbs) >= 0) subtractLimbs(out, out, this.modulus, this.limbs);
  }

  /** out = a - b mod m, for a, b < m (form-agnostic). */
  subtract(out: usize, a: usize, b: usize): void {
    if (subtractLimbs(out, a, b, this.limbs) != 0) addLimbs(out, out, this.modulus, this.limbs);
  }

  /**
   * out = base^exponent in Montgomery form (base in Montgomery form), left-to-right
   * square-and-multiply over the `exponentBytes` big-endian bytes at `exponent`. `out` must not
   * alias `base`.
   */
  power(out: usize, base: usize, exponent: usize, exponentBytes: i32): void {
    memory.copy(out, this.one, <usize>this.limbs << 2);
    let started = false;
    for (let i = 0; i < exponentBytes; i++) {
      const byte = load<u8>(exponent + <usize>i);
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
