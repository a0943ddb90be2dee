// Constant-time comparison for secrets (API key digests, HMAC tags, password digests).
// An early-exit compare leaks, through response time, how many leading bytes matched, which
// lets an attacker guess a secret byte by byte; this one always reads every byte.

/**
 * OR of `a[i] ^ b[i]` over the `length` bytes at `a` and `b`: 0 exactly when they are equal.
 * It accumulates the difference of every byte (a mismatch in the first byte does not stop it
 * from reading the last) rather than returning at the first difference.
 */
export function accumulatedDifferenceRaw(a: usize, b: usize, length: i32): u32 {
  let difference: u32 = 0;
  for (let i: usize = 0; i < <usize>length; i++) difference |= <u32>(load<u8>(a + i) ^ load<u8>(b + i));
  return difference;
}

/** accumulatedDifferenceRaw over two arrays of the same length (exported so tests can see it). */
export function accumulatedDifference(a: Uint8Array, b: Uint8Array): u32 {
  return accumulatedDifferenceRaw(a.dataStart, b.dataStart, min(a.length, b.length));
}

/**
 * True when `a` and `b` hold the same bytes. Lengths are public here (digests and tags have a
 * fixed size), so unequal lengths return at once; equal lengths always cost the same time.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  return a.length == b.length && accumulatedDifferenceRaw(a.dataStart, b.dataStart, a.length) == 0;
}
