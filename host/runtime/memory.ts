// Access to a module's linear memory from host functions. Every pointer a module passes is
// bounds-checked; a bad one raises MemoryAccessError, which the import wrapper turns into
// WasmResult.InvalidMemoryAccess (docs/proxy-wasm-abi.md "Status codes").
// Results handed back go through the module's allocator: `malloc` if exported (cpp-host
// prefers it), else `proxy_on_memory_allocate`; empty results are ptr 0, len 0, no allocation.
import { writeUtf8 } from "./abi/utf8.ts";
import { INTERN_MAX_LENGTH, InternTable } from "./intern-table.ts";

/** Strings up to this many bytes are decoded in JS when ASCII (decode()). */
const SHORT_ASCII = 12;

/**
 * Buffer.prototype.latin1Slice/utf8Slice: the native decoders behind Buffer#toString, called
 * directly to skip toString's argument handling on the hot path (untyped in @types/node; fall
 * back to toString if a Node version lacks them).
 */
type NativeSlices = { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };
const proto = Buffer.prototype as unknown as Partial<NativeSlices>;
const latin1 = typeof proto.latin1Slice === "function"
  ? (b: Buffer, s: number, e: number) => (b as unknown as NativeSlices).latin1Slice(s, e)
  : (b: Buffer, s: number, e: number) => b.toString("latin1", s, e);
const utf8 = typeof proto.utf8Slice === "function"
  ? (b: Buffer, s: number, e: number) => (b as unknown as NativeSlices).utf8Slice(s, e)
  : (b: Buffer, s: number, e: number) => b.toString("utf8", s, e);

export class MemoryAccessError extends Error {}

export type Allocator = (size: number) => number;

export class GuestMemory {
  private buffer: ArrayBuffer | SharedArrayBuffer;
  private u8: Uint8Array;
  private view: DataView;
  /** Node Buffer over the same bytes: its native latin1/utf8 decoders beat JS loops. */
  private nodeBuffer: Buffer;
  private grewSinceCheck = false;
  private readonly interned = new InternTable();

  constructor(private readonly memory: WebAssembly.Memory, private readonly allocate: Allocator) {
    this.buffer = memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
    this.nodeBuffer = Buffer.from(this.buffer);
  }

  /**
   * Views are re-created only when memory.grow replaced the buffer. Reading `memory.buffer` is
   * a runtime call, so the hot path avoids it: growth detaches the old buffer (its views drop to
   * length 0), so any access beyond the cached view's length triggers the re-check.
   */
  private refresh(): void {
    if (this.memory.buffer !== this.buffer) this.grewSinceCheck = true;
    this.buffer = this.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
    this.nodeBuffer = Buffer.from(this.buffer);
  }

  /** true (once) when memory grew since the last call; used for the memory cap check. */
  grew(): boolean {
    if (this.u8.length === 0) this.refresh();
    const grew = this.grewSinceCheck;
    this.grewSinceCheck = false;
    return grew;
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  private check(ptr: number, len: number, what: string): void {
    if (ptr + len > this.u8.length) this.refresh();
    if (ptr < 0 || len < 0 || ptr + len > this.u8.length) {
      throw new MemoryAccessError(`${what}: [${ptr}, +${len}) outside memory of ${this.u8.length} bytes`);
    }
  }

  /** A borrowed view (valid until the next memory.grow); copy it to keep it. */
  view8(ptr: number, len: number, what = "read"): Uint8Array {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, what);
    return this.u8.subarray(ptr, ptr + len);
  }

  /**
   * The whole memory after checking [ptr, ptr+len): index it at ptr (borrowed like view8, but
   * without making a view, for callees that take bytes plus offsets).
   */
  checkedBytes(ptr: number, len: number, what = "read"): Uint8Array {
    this.check(ptr >>> 0, len >>> 0, what);
    return this.u8;
  }

  copyBytes(ptr: number, len: number, what = "read"): Uint8Array {
    return this.view8(ptr, len, what).slice();
  }

  string(ptr: number, len: number, what = "read"): string {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, what);
    return this.decode(ptr, len);
  }

  private decode(ptr: number, len: number): string {
    const u8 = this.u8;
    if (len <= SHORT_ASCII) {
      // A call into the native decoder costs more than building a few characters here (short
      // header values: numbers, tokens). Up to 12 one-byte characters V8 concatenates into a
      // flat string (longer ones would make cons strings).
      let text = "";
      for (let i = ptr, end = ptr + len; i < end; i++) {
        const c = u8[i]!;
        if (c >= 0x80) return utf8(this.nodeBuffer, ptr, ptr + len);
        text += String.fromCharCode(c);
      }
      return text;
    }
    for (let i = ptr, end = ptr + len; i < end; i++) {
      if (u8[i]! >= 0x80) return utf8(this.nodeBuffer, ptr, ptr + len);
    }
    return latin1(this.nodeBuffer, ptr, ptr + len);
  }

  /** A short string a module passes again and again, interned (intern-table.ts). */
  key(ptr: number, len: number, what = "read"): string {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, what);
    if (len > INTERN_MAX_LENGTH) return this.decode(ptr, len);
    return this.interned.text(this.internedSlot(ptr, len));
  }

  /** key() lower-cased (header names: Envoy's maps match them case-insensitively). */
  lowerKey(ptr: number, len: number, what = "read"): string {
    ptr >>>= 0;
    len >>>= 0;
    this.check(ptr, len, what);
    if (len > INTERN_MAX_LENGTH) return this.decode(ptr, len).toLowerCase();
    return this.interned.lower(this.internedSlot(ptr, len));
  }

  private internedSlot(ptr: number, len: number): number {
    const found = this.interned.find(this.u8, ptr, len);
    if (found >= 0) return found;
    const slot = ~found;
    this.interned.store(slot, this.u8, ptr, len, this.decode(ptr, len));
    return slot;
  }

  readU32(ptr: number): number {
    ptr >>>= 0;
    this.check(ptr, 4, "read u32");
    return this.view.getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): void {
    ptr >>>= 0;
    this.check(ptr, 4, "write u32");
    this.view.setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    ptr >>>= 0;
    this.check(ptr, 8, "write u64");
    this.view.setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  /**
   * Checks result slots before allocating, so a bad slot pointer leaks no module memory.
   * Fixed arity (no rest array): it runs on every host call.
   */
  checkSlots(a: number, b?: number, c?: number): void {
    this.check(a >>> 0, 4, "result slot");
    if (b !== undefined) this.check(b >>> 0, 4, "result slot");
    if (c !== undefined) this.check(c >>> 0, 4, "result slot");
  }

  /** Bounds-checks [ptr, ptr+len) without creating a view. */
  checkRange(ptr: number, len: number, what = "read"): void {
    this.check(ptr >>> 0, len >>> 0, what);
  }

  /** The byte at `ptr` (bounds-checked). */
  byteAt(ptr: number, what = "read"): number {
    ptr >>>= 0;
    this.check(ptr, 1, what);
    return this.u8[ptr]!;
  }

  /** Copies `bytes` into a block from the module's allocator and writes ptr/len into the slots. */
  returnBytes(bytes: Uint8Array, retPtrPtr: number, retLenPtr: number): void {
    this.checkSlots(retPtrPtr, retLenPtr);
    if (bytes.length === 0) {
      this.writeU32(retPtrPtr, 0);
      this.writeU32(retLenPtr, 0);
      return;
    }
    const ptr = this.allocateChecked(bytes.length);
    this.u8.set(bytes, ptr);
    this.writeU32(retPtrPtr, ptr);
    this.writeU32(retLenPtr, bytes.length);
  }

  /** Same as returnBytes for a string, without an intermediate Uint8Array for ASCII. */
  returnString(text: string, byteLength: number, retPtrPtr: number, retLenPtr: number): void {
    this.checkSlots(retPtrPtr, retLenPtr);
    if (byteLength === 0) {
      this.writeU32(retPtrPtr, 0);
      this.writeU32(retLenPtr, 0);
      return;
    }
    const ptr = this.allocateChecked(byteLength);
    writeUtf8(text, this.u8, ptr);
    this.writeU32(retPtrPtr, ptr);
    this.writeU32(retLenPtr, byteLength);
  }

  /** Allocates in the module and returns a writable view of the block (for serializers). */
  allocateView(size: number): { ptr: number; bytes: Uint8Array } {
    const ptr = this.allocateChecked(size);
    return { ptr, bytes: this.u8.subarray(ptr, ptr + size) };
  }

  private allocateChecked(size: number): number {
    const ptr = this.allocate(size) >>> 0;
    if (ptr === 0) throw new MemoryAccessError(`module allocator returned 0 for ${size} bytes`);
    this.check(ptr, size, "allocated block");
    return ptr;
  }
}
