// FNV-1a, 32 bit (http://www.isthe.com/chongo/tech/comp/fnv/), over a byte range: the hash of
// the host's byte-keyed tables (shared data in-process and across threads, interned strings).

/** FNV-1a 32 of bytes[start, start + length), as a signed 32-bit integer. */
export function fnv1a32(bytes: Uint8Array, start: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = start, end = start + length; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash | 0;
}
