// SHA-256 (FIPS 180-4 §6.2). Written for AssemblyScript 0.28 because no maintained library
// ships AssemblyScript source for it (@chainsafe/as-sha256 publishes only a prebuilt .wasm
// with its own memory, which cannot be linked into a filter module).
//
// One hashing state in static memory: a VM runs one callback at a time and every caller
// finishes its hash before the next one starts (HMAC hashes inner then outer, in sequence), so
// hashing allocates nothing and works on raw pointers (header bytes, token bytes, key pads).
// Callers: sha256Start (or sha256Resume), sha256Update any number of times, sha256Finish.

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// FIPS 180-4 §5.3.3: the initial hash value.
const IV: usize = memory.data<u32>([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

export const SHA256_BLOCK_BYTES: i32 = 64;
export const SHA256_DIGEST_BYTES: i32 = 32;

/** The running hash value H (8 words): HMAC keys save and restore it (hmac.ts). */
export const SHA256_STATE: usize = memory.data(32);
const SCHEDULE: usize = memory.data(256);
const BLOCK: usize = memory.data(64);
let blockLength: i32 = 0;
let totalBytes: u64 = 0;

/** Starts a new hash. */
export function sha256Start(): void {
  sha256Resume(IV, 0);
}

/** Continues from a saved state `state` (32 bytes) after `bytesSoFar` bytes, a multiple of 64. */
export function sha256Resume(state: usize, bytesSoFar: u64): void {
  memory.copy(SHA256_STATE, state, 32);
  blockLength = 0;
  totalBytes = bytesSoFar;
}

/** Hashes `length` bytes at `pointer`. */
export function sha256Update(pointer: usize, length: i32): void {
  totalBytes += <u64>length;
  let offset = 0;
  if (blockLength > 0) {
    const take = min(SHA256_BLOCK_BYTES - blockLength, length);
    memory.copy(BLOCK + <usize>blockLength, pointer, <usize>take);
    blockLength += take;
    offset = take;
    if (blockLength < SHA256_BLOCK_BYTES) return;
    compress(BLOCK);
    blockLength = 0;
  }
  for (; length - offset >= SHA256_BLOCK_BYTES; offset += SHA256_BLOCK_BYTES) compress(pointer + <usize>offset);
  if (offset < length) {
    memory.copy(BLOCK, pointer + <usize>offset, <usize>(length - offset));
    blockLength = length - offset;
  }
}

/** Pads (FIPS 180-4 §5.1.1) and writes the 32-byte digest to `out`. */
export function sha256Finish(out: usize): void {
  const bitLength = totalBytes << 3;
  store<u8>(BLOCK + <usize>blockLength, 0x80);
  blockLength++;
  if (blockLength > 56) {
    memory.fill(BLOCK + <usize>blockLength, 0, <usize>(SHA256_BLOCK_BYTES - blockLength));
    compress(BLOCK);
    blockLength = 0;
  }
  memory.fill(BLOCK + <usize>blockLength, 0, <usize>(56 - blockLength));
  store<u64>(BLOCK + 56, bswap<u64>(bitLength));
  compress(BLOCK);
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(SHA256_STATE + i)));
}

/** SHA-256 of the `length` bytes at `pointer`, written to `out` (32 bytes). */
export function sha256Into(pointer: usize, length: i32, out: usize): void {
  sha256Start();
  sha256Update(pointer, length);
  sha256Finish(out);
}

/** SHA-256 of `data` as a new array (configuration time and tests). */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA256_DIGEST_BYTES);
  sha256Into(data.dataStart, data.length, out.dataStart);
  return out;
}

// FIPS 180-4 §6.2.2 on one 64-byte block at `pointer` (big-endian words).
function compress(pointer: usize): void {
  const w = SCHEDULE;
  for (let t: usize = 0; t < 64; t += 4) store<u32>(w + t, bswap<u32>(load<u32>(pointer + t)));
  for (let t: usize = 64; t < 256; t += 4) {
    const w15 = load<u32>(w + t - 60);
    const w2 = load<u32>(w + t - 8);
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(w + t, load<u32>(w + t - 64) + s0 + load<u32>(w + t - 28) + s1);
  }
  const h = SHA256_STATE;
  let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
  let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), hh = load<u32>(h, 28);
  for (let t: usize = 0; t < 256; t += 4) {
    const t1 = hh + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + load<u32>(K + t) + load<u32>(w + t);
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(h, load<u32>(h) + a); store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8); store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16); store<u32>(h, load<u32>(h, 20) + f, 20);
  store<u32>(h, load<u32>(h, 24) + g, 24); store<u32>(h, load<u32>(h, 28) + hh, 28);
}
