// proxy-wasm shared data for the data plane's worker threads (docs/envoy-wiring.md "Shared data"; Envoy
// keeps it in one process-wide map behind a mutex, proxy-wasm-cpp-host src/shared_data.cc):
// every worker reads and writes one store that lives in a SharedArrayBuffer, under a mutex
// (mutex.ts), so proxy_get/set_shared_data stay synchronous, as the ABI requires, cost a
// fraction of a microsecond, and never wait for another thread to be scheduled. Semantics are
// host/ InProcessSharedData's: one map per vm_id, cas 0 sets unconditionally, any other cas
// must equal the current one of an existing key (a missing key is created whatever the cas), each successful set gets a new process-wide non-zero u32 cas, and
// a vm_id's data goes when the last VM with that vm_id detaches (counted across all workers).
//
// Layout: header words (the mutex, the next cas, the table's place and fill, the heap's
// state), then heap blocks (heap.ts). The hash table uses open addressing with linear probing;
// each slot is 8 words: state, hash, key offset, key length, value offset, value length, value
// block size, cas. A key is the bytes [kind u8][vm_id length u32][vm_id][key], kind 0 for a
// data entry and 1 for a vm_id's VM count (kept in the cas word).
import { fnv1a32 } from "../../host/runtime/abi/fnv.ts";
import { encodeUtf8, writeUtf8 } from "../../host/runtime/abi/utf8.ts";
import type { SetSharedResult, SharedDataStore, SharedValue } from "../../host/index.ts";
import { blockSize, HEAP_WORDS, SharedHeap, SharedViews, type GrowableSharedArrayBuffer } from "./heap.ts";
import { lock, unlock } from "./mutex.ts";

// Header words.
const LOCK = 0;
const NEXT_CAS = 1;
const TABLE_OFFSET = 2;
const TABLE_CAPACITY = 3;
const TABLE_USED = 4; // live slots + tombstones
const TABLE_LIVE = 5;
const HEAP_BASE = 6;
const HEADER_BYTES = Math.ceil(((HEAP_BASE + HEAP_WORDS) * 4) / 16) * 16;

// Slot words.
const SLOT_WORDS = 8;
const STATE = 0;
const HASH = 1;
const KEY_OFFSET = 2;
const KEY_LENGTH = 3;
const VALUE_OFFSET = 4;
const VALUE_LENGTH = 5;
const VALUE_BLOCK = 6;
const CAS = 7;

const EMPTY = 0;
const LIVE = 1;
const TOMBSTONE = 2;

const DATA = 0;
const VM_COUNT = 1;

const MIN_CAPACITY = 64;
const NO_KEY = new Uint8Array(0);

export interface SharedDataMemoryOptions {
  /** Initial size of the buffer. Default 1 MiB. */
  initialBytes?: number;
  /** The buffer grows up to this size (address space is reserved, memory is not). Default 1 GiB. */
  maxBytes?: number;
}

/** A new, empty store's memory; hand it to each worker (workerData) and wrap it in SharedMemoryStore. */
export function createSharedDataMemory(options: SharedDataMemoryOptions = {}): SharedArrayBuffer {
  const Growable = SharedArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;
  const max = options.maxBytes ?? 1 << 30;
  const initial = Math.ceil(Math.max(options.initialBytes ?? 1 << 20, HEADER_BYTES) / 16) * 16;
  const buffer = new Growable(Math.min(initial, max), { maxByteLength: max });
  const views = new SharedViews(buffer);
  const heap = new SharedHeap(views, HEAP_BASE);
  heap.init(HEADER_BYTES);
  const bytes = MIN_CAPACITY * SLOT_WORDS * 4;
  const table = heap.allocate(bytes);
  views.bytes.fill(0, table, table + bytes);
  views.words[NEXT_CAS] = 1;
  views.words[TABLE_OFFSET] = table;
  views.words[TABLE_CAPACITY] = MIN_CAPACITY;
  return buffer;
}

export class SharedMemoryStore implements SharedDataStore {
  // Heap methods may renew the views (the buffer grew): code re-reads them after allocating.
  private readonly views: SharedViews;
  private readonly heap: SharedHeap;
  /** This thread's encoding of the key being looked up. */
  private key = new Uint8Array(256);

  constructor(buffer: SharedArrayBuffer) {
    this.views = new SharedViews(buffer as GrowableSharedArrayBuffer);
    this.heap = new SharedHeap(this.views, HEAP_BASE);
  }

  get(vmId: string, key: string): SharedValue | undefined {
    const bytes = encodeUtf8(key);
    return this.getByBytes(vmId, bytes, 0, bytes.length);
  }

  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult {
    const bytes = encodeUtf8(key);
    return this.setByBytes(vmId, bytes, 0, bytes.length, value, cas);
  }

  getByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number): SharedValue | undefined {
    const length = this.encodeKey(DATA, vmId, bytes, keyStart, keyLength);
    const hash = fnv1a32(this.key, 0, length);
    this.lock();
    try {
      const slot = this.find(hash, length);
      if (slot < 0) return undefined;
      const w = this.views.words;
      const at = w[slot + VALUE_OFFSET];
      // slice() copies into an ordinary buffer the caller may keep.
      return { value: this.views.bytes.slice(at, at + w[slot + VALUE_LENGTH]), cas: w[slot + CAS] >>> 0 };
    } finally {
      this.unlock();
    }
  }

  setByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number, value: Uint8Array, cas: number): SetSharedResult {
    const length = this.encodeKey(DATA, vmId, bytes, keyStart, keyLength);
    const hash = fnv1a32(this.key, 0, length);
    this.lock();
    try {
      let slot = this.find(hash, length);
      if (cas !== 0 && slot >= 0 && this.views.words[slot + CAS] >>> 0 !== cas) return "cas-mismatch";
      if (slot >= 0) this.writeValue(slot, value);
      else {
        slot = this.insert(hash, length);
        try {
          this.writeValue(slot, value);
        } catch (error) {
          this.remove(slot); // no half-made entry when the store is full
          throw error;
        }
      }
      this.views.words[slot + CAS] = this.takeCas();
      return "ok";
    } finally {
      this.unlock();
    }
  }

  attach(vmId: string): void {
    const length = this.encodeKey(VM_COUNT, vmId, NO_KEY, 0, 0);
    const hash = fnv1a32(this.key, 0, length);
    this.lock();
    try {
      let slot = this.find(hash, length);
      if (slot < 0) slot = this.insert(hash, length);
      this.views.words[slot + CAS]++;
    } finally {
      this.unlock();
    }
  }

  detach(vmId: string): void {
    const length = this.encodeKey(VM_COUNT, vmId, NO_KEY, 0, 0);
    const hash = fnv1a32(this.key, 0, length);
    this.lock();
    try {
      const slot = this.find(hash, length);
      if (slot >= 0 && --this.views.words[slot + CAS] > 0) return;
      if (slot >= 0) this.remove(slot);
      this.dropData(this.encodeKey(DATA, vmId, NO_KEY, 0, 0));
    } finally {
      this.unlock();
    }
  }

  private lock(): void {
    // The mutex word is in the header, inside any view this thread may still hold.
    lock(this.views.words, LOCK);
    this.heap.sync();
  }

  private unlock(): void {
    unlock(this.views.words, LOCK);
  }

  /** Encodes [kind][vm_id length][vm_id][key] into this.key, the key being bytes[keyStart, +keyLength); returns its length. */
  private encodeKey(kind: number, vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number): number {
    const most = 5 + 3 * vmId.length + keyLength;
    if (most > this.key.length) this.key = new Uint8Array(Math.max(most, this.key.length * 2));
    const k = this.key;
    k[0] = kind;
    const vmLength = writeUtf8(vmId, k, 5);
    k[1] = vmLength & 0xff;
    k[2] = (vmLength >>> 8) & 0xff;
    k[3] = (vmLength >>> 16) & 0xff;
    k[4] = vmLength >>> 24;
    const at = 5 + vmLength;
    for (let i = 0; i < keyLength; i++) k[at + i] = bytes[keyStart + i]!;
    return at + keyLength;
  }

  private sameKey(at: number, length: number): boolean {
    const b = this.views.bytes;
    const k = this.key;
    for (let i = 0; i < length; i++) if (b[at + i] !== k[i]) return false;
    return true;
  }

  /** Word index of the live slot holding this.key, or -1. */
  private find(hash: number, length: number): number {
    const w = this.views.words;
    const mask = w[TABLE_CAPACITY] - 1;
    const table = w[TABLE_OFFSET] >> 2;
    // The table is never full (insert() keeps it at most 60% used), so an empty slot ends the probe.
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = table + i * SLOT_WORDS;
      const state = w[slot + STATE];
      if (state === EMPTY) return -1;
      if (state === LIVE && w[slot + HASH] === hash && w[slot + KEY_LENGTH] === length && this.sameKey(w[slot + KEY_OFFSET], length)) return slot;
    }
  }

  /** Adds this.key (known absent) with an empty value and cas 0; returns its slot. */
  private insert(hash: number, length: number): number {
    const used = this.views.words[TABLE_USED];
    if ((used + 1) * 5 > this.views.words[TABLE_CAPACITY] * 3) this.rehash();
    const key = this.heap.allocate(length);
    this.views.bytes.set(this.key.subarray(0, length), key);
    const w = this.views.words;
    const slot = this.freeSlot(hash);
    if (w[slot + STATE] === EMPTY) w[TABLE_USED]++;
    w[TABLE_LIVE]++;
    w[slot + STATE] = LIVE;
    w[slot + HASH] = hash;
    w[slot + KEY_OFFSET] = key;
    w[slot + KEY_LENGTH] = length;
    w[slot + VALUE_OFFSET] = 0;
    w[slot + VALUE_LENGTH] = 0;
    w[slot + VALUE_BLOCK] = 0;
    w[slot + CAS] = 0;
    return slot;
  }

  /** The first empty or tombstone slot on `hash`'s probe path. */
  private freeSlot(hash: number): number {
    const w = this.views.words;
    const mask = w[TABLE_CAPACITY] - 1;
    const table = w[TABLE_OFFSET] >> 2;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = table + i * SLOT_WORDS;
      if (w[slot + STATE] !== LIVE) return slot;
    }
  }

  /** A new table (twice as large when more than half would be live), without tombstones. */
  private rehash(): void {
    const old = this.views.words;
    const oldTable = old[TABLE_OFFSET] >> 2;
    const oldCapacity = old[TABLE_CAPACITY];
    let capacity = oldCapacity;
    while ((old[TABLE_LIVE] + 1) * 2 > capacity) capacity *= 2;
    const bytes = capacity * SLOT_WORDS * 4;
    const table = this.heap.allocate(bytes);
    this.views.bytes.fill(0, table, table + bytes);
    const w = this.views.words;
    w[TABLE_OFFSET] = table;
    w[TABLE_CAPACITY] = capacity;
    w[TABLE_USED] = w[TABLE_LIVE];
    for (let i = 0; i < oldCapacity; i++) {
      const from = oldTable + i * SLOT_WORDS;
      if (w[from + STATE] !== LIVE) continue;
      const to = this.freeSlot(w[from + HASH]);
      for (let j = 0; j < SLOT_WORDS; j++) w[to + j] = w[from + j];
    }
    this.heap.free(oldTable << 2, oldCapacity * SLOT_WORDS * 4);
  }

  private writeValue(slot: number, value: Uint8Array): void {
    let w = this.views.words;
    if (value.length > w[slot + VALUE_BLOCK]) {
      const block = blockSize(value.length);
      const at = this.heap.allocate(block);
      w = this.views.words;
      if (w[slot + VALUE_BLOCK] > 0) this.heap.free(w[slot + VALUE_OFFSET], w[slot + VALUE_BLOCK]);
      w[slot + VALUE_OFFSET] = at;
      w[slot + VALUE_BLOCK] = block;
    }
    this.views.bytes.set(value, w[slot + VALUE_OFFSET]);
    w[slot + VALUE_LENGTH] = value.length;
  }

  private remove(slot: number): void {
    const w = this.views.words;
    this.heap.free(w[slot + KEY_OFFSET], w[slot + KEY_LENGTH]);
    if (w[slot + VALUE_BLOCK] > 0) this.heap.free(w[slot + VALUE_OFFSET], w[slot + VALUE_BLOCK]);
    w[slot + STATE] = TOMBSTONE;
    w[TABLE_LIVE]--;
  }

  /** Removes every data entry whose key starts with this.key's first `prefix` bytes (one vm_id's). */
  private dropData(prefix: number): void {
    const w = this.views.words;
    const table = w[TABLE_OFFSET] >> 2;
    const capacity = w[TABLE_CAPACITY];
    for (let i = 0; i < capacity; i++) {
      const slot = table + i * SLOT_WORDS;
      if (w[slot + STATE] === LIVE && w[slot + KEY_LENGTH] >= prefix && this.sameKey(w[slot + KEY_OFFSET], prefix)) this.remove(slot);
    }
  }

  /** The next cas: u32 (the ABI writes cas as u32), never 0 ("unconditional"). */
  private takeCas(): number {
    const w = this.views.words;
    const cas = w[NEXT_CAS] >>> 0;
    w[NEXT_CAS] = cas >= 0xffffffff ? 1 : cas + 1;
    return cas;
  }
}
