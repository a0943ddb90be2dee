// HMAC-SHA256 (RFC 2104; test vectors RFC 4231). Used for JWT HS256 (RFC 7518 §3.2).
import { SHA256_BLOCK_BYTES, SHA256_STATE, sha256, sha256Finish, sha256Resume, sha256Start, sha256Update } from "./sha256";

const PAD: usize = memory.data(64);
const INNER_DIGEST: usize = memory.data(32);

/**
 * An HMAC key processed once at configuration time: the SHA-256 states after hashing the inner
 * and the outer pad (RFC 2104 §4, "precomputed"), so a MAC costs no work on the pads.
 */
export class HmacSha256Key {
  /** Inner state (32 bytes), then outer state (32 bytes). */
  private readonly states: StaticArray<u8> = new StaticArray<u8>(64);

  constructor(key: Uint8Array) {
    // RFC 2104 §2: keys longer than the block are hashed first, shorter ones zero-padded.
    const k = key.length > SHA256_BLOCK_BYTES ? sha256(key) : key;
    const states = changetype<usize>(this.states);
    for (let half: usize = 0; half < 64; half += 32) {
      const xor: u8 = half == 0 ? 0x36 : 0x5c;
      for (let i = 0; i < SHA256_BLOCK_BYTES; i++) store<u8>(PAD + <usize>i, (i < k.length ? unchecked(k[i]) : 0) ^ xor);
      sha256Start();
      sha256Update(PAD, SHA256_BLOCK_BYTES);
      memory.copy(states + half, SHA256_STATE, 32);
    }
  }

  /** HMAC of the `length` bytes at `pointer`, written to `out` (32 bytes). */
  macInto(pointer: usize, length: i32, out: usize): void {
    const states = changetype<usize>(this.states);
    sha256Resume(states, SHA256_BLOCK_BYTES);
    sha256Update(pointer, length);
    sha256Finish(INNER_DIGEST);
    sha256Resume(states + 32, SHA256_BLOCK_BYTES);
    sha256Update(INNER_DIGEST, 32);
    sha256Finish(out);
  }
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  new HmacSha256Key(key).macInto(message.dataStart, message.length, out.dataStart);
  return out;
}
