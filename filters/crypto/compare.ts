// Constant-time comparison for secrets (API key digests, HMAC tags, password digests).
// An early-exit compare leaks, through response time, how many leading bytes matched, which
// lets an attacker guess a secret byte by byte; this one always reads every byte.

/**
 * OR of `a[i] ^ b[i]` over every index: 0 exactly when the arrays are equal. Exported so tests
 * can see it accumulates the difference of every byte (a mismatch in the first byte does not
 * stop it from reading the last) rather than returning at the first difference.
 */
export function accumulatedDifference(a: Uint8Array, b: Uint8Array): u32 {
  let difference: u32 = 0;
  const length = a.length;
  for (let i = 0; i < length; i++) difference |= <u32>(unchecked(a[i]) ^ unchecked(b[i]));
  return difference;
}

/**
 * True when `a` and `b` hold the same bytes. Lengths are public here (digests and tags have a
 * fixed size), so unequal lengths return at once; equal lengths always cost the same time.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return accumulatedDifference(a, b) == 0;
}
