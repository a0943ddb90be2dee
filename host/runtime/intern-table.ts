// Short strings a module passes again and again (header names, property paths, metric names),
// interned by content: the same bytes give the same string object without decoding, and Map
// lookups on it reuse its cached hash. Direct-mapped (one string per hash slot; a colliding
// string replaces the previous one), so varying input cannot grow it.
//
// Storage is flat: slot i's bytes sit at i * INTERN_MAX_LENGTH of one Uint8Array, its length
// in another. A lookup compares within that buffer, where an object per entry meant a chain
// of dependent loads (array -> entry -> typed array -> backing store). On the data plane's
// per-request path the table is cold, so each such hop would be a cache miss.

import { fnv1a32 } from "./abi/fnv.ts";

export const INTERN_MAX_LENGTH = 64;
const SLOTS = 1024;
const EMPTY = 0xff;

export class InternTable {
  private readonly bytes = new Uint8Array(SLOTS * INTERN_MAX_LENGTH);
  private readonly lengths = new Uint8Array(SLOTS).fill(EMPTY);
  private readonly texts: string[] = new Array<string>(SLOTS).fill("");
  private readonly lowers: string[] = new Array<string>(SLOTS).fill("");

  /**
   * The slot holding `source[start, start + len)` (len <= INTERN_MAX_LENGTH) when interned;
   * otherwise the bitwise complement (negative) of the slot it belongs in, for store().
   */
  find(source: Uint8Array, start: number, len: number): number {
    const hash = fnv1a32(source, start, len);
    const slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    if (this.lengths[slot] !== len) return ~slot;
    const bytes = this.bytes;
    const base = slot * INTERN_MAX_LENGTH - start;
    for (let i = start, end = start + len; i < end; i++) if (bytes[base + i] !== source[i]) return ~slot;
    return slot;
  }

  /** Interns `text`, the decoding of `source[start, start + len)`, in `slot` (from find()). */
  store(slot: number, source: Uint8Array, start: number, len: number, text: string): void {
    this.bytes.set(source.subarray(start, start + len), slot * INTERN_MAX_LENGTH);
    this.lengths[slot] = len;
    this.texts[slot] = text;
    this.lowers[slot] = text.toLowerCase();
  }

  text(slot: number): string {
    return this.texts[slot]!;
  }

  lower(slot: number): string {
    return this.lowers[slot]!;
  }
}
