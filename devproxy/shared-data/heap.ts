// Blocks of shared memory for the shared-data store (store.ts): its hash table, keys and
// values. Blocks come in power-of-two size classes from 16 bytes; a freed block goes onto its
// class's free list (linked through its first word) and the next allocation of that class
// takes it back, so a store whose values keep their size (counters, rate-limit buckets) stops
// growing once warm. When the bump pointer reaches the end, the buffer grows (a growable
// SharedArrayBuffer) and the new size is written to a header word, from which every thread
// learns to renew its views (SharedViews). The heap's state lives in header words of the same
// buffer; callers hold the store's mutex.

/** A SharedArrayBuffer created with `maxByteLength` (ES2024; typed here for the ES2022 lib). */
export type GrowableSharedArrayBuffer = SharedArrayBuffer & { grow(byteLength: number): void; readonly maxByteLength: number };

const MIN_SHIFT = 4; // 16-byte blocks keep every block 16-aligned
const CLASSES = 27; // 16 B .. 1 GiB

/** Header words the heap uses, from its `base` index: the bump pointer, the buffer's size, then one free-list head per class. */
export const HEAP_WORDS = 2 + CLASSES;
const TOP = 0;
const SIZE = 1;
const FREE_HEADS = 2;

/**
 * Fixed-length views of the whole buffer, renewed when it has grown. Length-tracking views
 * would follow growth by themselves, but V8 (Node 20) does not optimise their accesses as it
 * does fixed-length ones (BENCHMARKS.md, "Measurements behind code choices").
 */
export class SharedViews {
  words!: Int32Array;
  bytes!: Uint8Array;

  constructor(readonly buffer: GrowableSharedArrayBuffer) {
    this.renew();
  }

  renew(): void {
    const size = this.buffer.byteLength;
    this.words = new Int32Array(this.buffer, 0, size >> 2);
    this.bytes = new Uint8Array(this.buffer, 0, size);
  }
}

export class SharedHeapFull extends Error {}

/** The block size (power of two, >= 16) that holds `size` bytes. */
export function blockSize(size: number): number {
  return 1 << (classOf(size) + MIN_SHIFT);
}

function classOf(size: number): number {
  const shift = size <= 1 << MIN_SHIFT ? MIN_SHIFT : 32 - Math.clz32(size - 1);
  return shift - MIN_SHIFT;
}

/** Every method may renew `views` (after growing): re-read views.words / views.bytes after a call. */
export class SharedHeap {
  constructor(
    private readonly views: SharedViews,
    /** Index of the heap's first header word. */
    private readonly base: number,
  ) {}

  /** Sets up an empty heap whose blocks start at byte `start` (16-aligned). */
  init(start: number): void {
    const w = this.views.words;
    w[this.base + TOP] = start;
    w[this.base + SIZE] = this.views.buffer.byteLength;
    for (let c = 0; c < CLASSES; c++) w[this.base + FREE_HEADS + c] = 0;
  }

  /** Renews this thread's views if another thread grew the buffer. */
  sync(): void {
    if (this.views.bytes.length !== this.views.words[this.base + SIZE]) this.views.renew();
  }

  /** Byte offset of a block of at least `size` bytes (contents undefined). */
  allocate(size: number): number {
    const cls = classOf(size);
    if (cls >= CLASSES) throw new SharedHeapFull(`shared data: a block of ${size} bytes is larger than the store`);
    let w = this.views.words;
    const head = this.base + FREE_HEADS + cls;
    const free = w[head];
    if (free !== 0) {
      w[head] = w[free >> 2];
      return free;
    }
    const top = w[this.base + TOP];
    const end = top + (1 << (cls + MIN_SHIFT));
    if (end > this.views.bytes.length) w = this.grow(end);
    w[this.base + TOP] = end;
    return top;
  }

  /** Returns a block from allocate(); `size` is any size of the same class (e.g. the one asked for). */
  free(offset: number, size: number): void {
    const w = this.views.words;
    const head = this.base + FREE_HEADS + classOf(size);
    w[offset >> 2] = w[head];
    w[head] = offset;
  }

  private grow(needed: number): Int32Array {
    const buffer = this.views.buffer;
    const max = buffer.maxByteLength;
    if (needed > max) throw new SharedHeapFull(`shared data store is full (${max} bytes)`);
    let size = buffer.byteLength;
    while (size < needed) size *= 2;
    buffer.grow(Math.min(size, max));
    this.views.renew();
    this.views.words[this.base + SIZE] = buffer.byteLength;
    return this.views.words;
  }
}
