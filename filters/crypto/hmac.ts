// HMAC-SHA256 (RFC 2104; test vectors RFC 4231). Used for JWT HS256 (RFC 7518 §3.2).
import { Sha256, SHA256_BLOCK_BYTES } from "./sha256";

/** HMAC keys pre-processed once (inner and outer pads), so a config key costs no work per request. */
export class HmacSha256Key {
  private innerPad: Uint8Array = new Uint8Array(SHA256_BLOCK_BYTES);
  private outerPad: Uint8Array = new Uint8Array(SHA256_BLOCK_BYTES);
  private hasher: Sha256 = new Sha256();

  constructor(key: Uint8Array) {
    // RFC 2104 §2: keys longer than the block are hashed first, shorter ones zero-padded.
    const k = key.length > SHA256_BLOCK_BYTES ? new Sha256().update(key).digest() : key;
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) {
      const byte: u8 = i < k.length ? unchecked(k[i]) : 0;
      unchecked(this.innerPad[i] = byte ^ 0x36);
      unchecked(this.outerPad[i] = byte ^ 0x5c);
    }
  }

  /** HMAC of the `length` bytes at `pointer`. */
  macRaw(pointer: usize, length: i32): Uint8Array {
    const inner = this.hasher.reset().update(this.innerPad).updateRaw(pointer, length).digest();
    return this.hasher.reset().update(this.outerPad).update(inner).digest();
  }

  mac(message: Uint8Array): Uint8Array {
    return this.macRaw(message.dataStart, message.length);
  }
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new HmacSha256Key(key).mac(message);
}
