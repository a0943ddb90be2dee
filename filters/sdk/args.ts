// UTF-8 arguments for host calls (header names and values, property paths, shared-data keys,
// metric and function names). The host only borrows an argument for the duration of the call
// (proxy-wasm ABI 0.2.1, "Memory": input pointers are read during the call), so a string is
// encoded into a static scratch area instead of a fresh ArrayBuffer: no allocation, no garbage
// on the per-request path. Each host call passes at most two strings (key and value), one per
// slot. A string that may not fit its slot is encoded into a managed buffer held in a global
// until that slot is used again, so a collection between encoding and the call cannot free it.

/** Bytes per slot; a UTF-16 code unit takes at most 3 UTF-8 bytes. */
const SLOT_BYTES: i32 = 1024;
const KEY_AREA: usize = memory.data(SLOT_BYTES, 16);
const VALUE_AREA: usize = memory.data(SLOT_BYTES, 16);

/** One encoded argument: where the host reads it, and how many bytes. */
@unmanaged
export class Utf8Arg {
  ptr: usize;
  length: usize;
}

const KEY_ARG: Utf8Arg = changetype<Utf8Arg>(memory.data(offsetof<Utf8Arg>()));
const VALUE_ARG: Utf8Arg = changetype<Utf8Arg>(memory.data(offsetof<Utf8Arg>()));
let keyOverflow: ArrayBuffer | null = null;
let valueOverflow: ArrayBuffer | null = null;

/**
 * UTF-8 of `units` UTF-16 code units at `src` into `dst`; returns the byte count. Header names
 * and most values are ASCII: four code units are checked and narrowed at a time, and the
 * standard encoder takes over from the first non-ASCII unit (never inside a surrogate pair, as
 * only ASCII units were consumed).
 */
function encodeUtf8(src: usize, units: i32, dst: usize): usize {
  let i = 0;
  while (i + 4 <= units) {
    const quad = load<u64>(src + (<usize>i << 1));
    if ((quad & 0xff80ff80ff80ff80) != 0) break;
    store<u32>(dst + <usize>i, <u32>(quad & 0xff) | <u32>((quad >> 8) & 0xff00) | <u32>((quad >> 16) & 0xff0000) | <u32>((quad >> 24) & 0xff000000));
    i += 4;
  }
  return <usize>i + String.UTF8.encodeUnsafe(src + (<usize>i << 1), units - i, dst + <usize>i);
}

/** Encodes `text` into `area`, or into a managed buffer when it may not fit; returns the buffer or null. */
function encodeInto(arg: Utf8Arg, area: usize, text: string): ArrayBuffer | null {
  const units = text.length;
  if (units * 3 <= SLOT_BYTES) {
    arg.ptr = area;
    arg.length = encodeUtf8(changetype<usize>(text), units, area);
    return null;
  }
  const bytes = String.UTF8.encode(text);
  arg.ptr = changetype<usize>(bytes);
  arg.length = <usize>bytes.byteLength;
  return bytes;
}

/** The first string argument of a host call (a key, name or path); valid until the next keyArg. */
export function keyArg(text: string): Utf8Arg {
  keyOverflow = encodeInto(KEY_ARG, KEY_AREA, text);
  return KEY_ARG;
}

/** The second string argument of a host call (a value); valid until the next valueArg. */
export function valueArg(text: string): Utf8Arg {
  valueOverflow = encodeInto(VALUE_ARG, VALUE_AREA, text);
  return VALUE_ARG;
}

/** Writes the decimal digits of `value` so that they end just before `end`; returns where they start. */
function writeDecimal(value: u64, end: usize): usize {
  let at = end;
  let rest = value;
  do {
    at--;
    store<u8>(at, 0x30 + <u32>(rest % 10));
    rest /= 10;
  } while (rest != 0);
  return at;
}

/** u64 has at most 20 decimal digits. */
const MAX_DIGITS: i32 = 20;

/** The decimal digits of `value` as the second argument of a host call (no string is made). */
export function decimalValueArg(value: u64): Utf8Arg {
  const end = VALUE_AREA + <usize>MAX_DIGITS;
  const start = writeDecimal(value, end);
  valueOverflow = null;
  VALUE_ARG.ptr = start;
  VALUE_ARG.length = end - start;
  return VALUE_ARG;
}

/**
 * `prefix` followed by the decimal digits of `n` as the first argument of a host call, without
 * making the string: numbered keys such as the ratelimit filter's "attache.ratelimit/42".
 */
export function numberedKeyArg(prefix: string, n: u64): Utf8Arg {
  if (prefix.length * 3 + MAX_DIGITS > SLOT_BYTES) return keyArg(prefix + n.toString());
  keyOverflow = null;
  const prefixEnd = KEY_AREA + encodeUtf8(changetype<usize>(prefix), prefix.length, KEY_AREA);
  // The digits go right after the prefix: written backwards from their end, then moved up.
  const scratchEnd = KEY_AREA + <usize>SLOT_BYTES;
  const digits = writeDecimal(n, scratchEnd);
  const count = scratchEnd - digits;
  memory.copy(prefixEnd, digits, count);
  KEY_ARG.ptr = KEY_AREA;
  KEY_ARG.length = prefixEnd + count - KEY_AREA;
  return KEY_ARG;
}
