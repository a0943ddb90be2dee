// Shared key-value data of proxy-wasm (docs/envoy-wiring.md "Shared data"; envoy
// source/extensions/common/wasm/context.cc and proxy-wasm-cpp-host src/shared_data.cc):
// one map per vm_id, visible to every VM instance with that vm_id; cas 0 sets unconditionally,
// any other cas must equal the current one (else CasMismatch) — except on a missing key, which
// any set creates (cpp-host SharedData::set checks the cas only of an existing entry); every successful set gets a new
// process-wide non-zero cas; a vm_id's data goes when the last VM with that vm_id detaches.
// Keys are byte strings, compared byte for byte (cpp-host keys its map by std::string): the
// host passes the bytes the module gave, so nothing is decoded per call; the string methods
// are the same lookup on the key's UTF-8 (for embedders and tests).
//
// Kept behind this small synchronous interface so an embedder running VMs on several threads
// can supply a cross-thread implementation (devproxy/shared-data: SharedArrayBuffer + Atomics).
import { fnv1a32 } from "./abi/fnv.ts";
import { encodeUtf8 } from "./abi/utf8.ts";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export type SetSharedResult = "ok" | "cas-mismatch";

export interface SharedDataStore {
  get(vmId: string, key: string): SharedValue | undefined;
  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult;
  /**
   * get() by the key's bytes, `bytes[keyStart, keyStart + keyLength)` (the module's memory as
   * the ABI call gives it, so no view is made; borrowed for the call). The result may be the
   * store's own record, valid until the next set: the host copies it into the module at once.
   */
  getByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number): SharedValue | undefined;
  /** set() by the key's bytes (as getByBytes); `value` is borrowed for the call too. */
  setByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number, value: Uint8Array, cas: number): SetSharedResult;
  /** A VM with this vm_id started / went away (data is dropped after the last one). */
  attach(vmId: string): void;
  detach(vmId: string): void;
}

/** One key's entry: its value and cas, updated in place by a set (no allocation per set). */
interface Entry extends SharedValue {
  readonly key: Uint8Array;
  readonly hash: number;
}

/** fnv1a32 folded to 30 bits: stays a small integer (V8 "Smi") in Entry.hash, no boxed number. */
function hashOf(bytes: Uint8Array, start: number, length: number): number {
  const hash = fnv1a32(bytes, start, length);
  return (hash ^ (hash >>> 16)) & 0x3fffffff;
}

/** Whether `key` equals bytes[start, start + length). */
function sameKey(key: Uint8Array, bytes: Uint8Array, start: number, length: number): boolean {
  if (key.length !== length) return false;
  for (let i = 0; i < length; i++) if (key[i] !== bytes[start + i]) return false;
  return true;
}

/**
 * One vm_id's entries: open addressing with linear probing, at most half full. Cheaper per
 * lookup than a Map keyed by the hash (no hashing of the key number, no bucket chain), and
 * shared data has no delete, so no tombstones.
 */
class EntryTable {
  private slots: Array<Entry | undefined> = new Array<Entry | undefined>(16).fill(undefined);
  private size = 0;

  find(bytes: Uint8Array, start: number, length: number, hash: number): Entry | undefined {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = slots[i];
      if (entry === undefined || (entry.hash === hash && sameKey(entry.key, bytes, start, length))) return entry;
    }
  }

  /** Adds an entry whose key is absent. */
  add(entry: Entry): void {
    if ((this.size + 1) * 2 > this.slots.length) {
      const old = this.slots;
      this.slots = new Array<Entry | undefined>(old.length * 2).fill(undefined);
      for (const moved of old) if (moved !== undefined) this.place(moved);
    }
    this.place(entry);
    this.size++;
  }

  private place(entry: Entry): void {
    const mask = this.slots.length - 1;
    let i = entry.hash & mask;
    while (this.slots[i] !== undefined) i = (i + 1) & mask;
    this.slots[i] = entry;
  }
}

export class InProcessSharedData implements SharedDataStore {
  private readonly tables = new Map<string, EntryTable>();
  private readonly users = new Map<string, number>();
  private nextCas = 1;

  get(vmId: string, key: string): SharedValue | undefined {
    const bytes = encodeUtf8(key);
    const entry = this.getByBytes(vmId, bytes, 0, bytes.length);
    // A snapshot: the entry itself changes with the next set.
    return entry && { value: entry.value.slice(), cas: entry.cas };
  }

  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult {
    const bytes = encodeUtf8(key);
    return this.setByBytes(vmId, bytes, 0, bytes.length, value, cas);
  }

  getByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number): SharedValue | undefined {
    const table = this.tables.get(vmId);
    return table?.find(bytes, keyStart, keyLength, hashOf(bytes, keyStart, keyLength));
  }

  setByBytes(vmId: string, bytes: Uint8Array, keyStart: number, keyLength: number, value: Uint8Array, cas: number): SetSharedResult {
    let table = this.tables.get(vmId);
    if (!table) {
      table = new EntryTable();
      this.tables.set(vmId, table);
    }
    const hash = hashOf(bytes, keyStart, keyLength);
    const entry = table.find(bytes, keyStart, keyLength, hash);
    if (!entry) {
      table.add({ key: bytes.slice(keyStart, keyStart + keyLength), hash, value: value.slice(), cas: this.takeCas() });
      return "ok";
    }
    if (cas !== 0 && entry.cas !== cas) return "cas-mismatch";
    // Rewritten in place when the size stays (a counter, a bucket record): no garbage per set.
    if (entry.value.length === value.length) entry.value.set(value);
    else entry.value = value.slice();
    entry.cas = this.takeCas();
    return "ok";
  }

  private takeCas(): number {
    const cas = this.nextCas;
    // Stay within u32 (the ABI writes cas as u32) and never hand out 0 ("unconditional").
    this.nextCas = this.nextCas >= 0xffffffff ? 1 : this.nextCas + 1;
    return cas;
  }

  attach(vmId: string): void {
    this.users.set(vmId, (this.users.get(vmId) ?? 0) + 1);
  }

  detach(vmId: string): void {
    const left = (this.users.get(vmId) ?? 1) - 1;
    if (left > 0) {
      this.users.set(vmId, left);
      return;
    }
    this.users.delete(vmId);
    this.tables.delete(vmId);
  }
}
