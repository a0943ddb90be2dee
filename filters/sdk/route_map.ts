// Per-route settings keyed by route name. Envoy has no per-route Wasm configuration, so Attaché
// filters receive `routes: {"<namespace>/<mapping>": {...}}` in the plugin configuration and
// pick the entry for `xds.route_name` on every request (ARCHITECTURE.md, "How Wasm filters reach
// a route"). forCurrentRoute() does that without turning the route name into a string: it
// hashes the property's bytes where the host left them (memory.ts) and compares them with each
// name's UTF-8 bytes, encoded once when the configuration was parsed. No allocation per request.
import { BorrowedBytes } from "./memory";
import { ROUTE_NAME } from "./properties";
import { keyArg } from "./args";

/** FNV-1a 32 over bytes: spreads route names over the table's slots. */
function hashBytes(ptr: usize, length: usize): u32 {
  let hash: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < length; i++) hash = (hash ^ <u32>load<u8>(ptr + i)) * 0x01000193;
  return hash;
}

class RouteEntry<T> {
  constructor(public readonly name: string, public readonly bytes: ArrayBuffer, public readonly hash: u32, public value: T) {}

  matches(ptr: usize, length: usize, hash: u32): bool {
    return this.hash == hash && <usize>this.bytes.byteLength == length &&
      memory.compare(changetype<usize>(this.bytes), ptr, length) == 0;
  }
}

export class RouteMap<T> {
  private entries: RouteEntry<T>[] = [];
  /** Open addressing: entry index + 1 per slot (0 = empty); at most half full. */
  private slots: StaticArray<i32> = new StaticArray<i32>(8);

  /** Number of routes. */
  get size(): i32 { return this.entries.length; }

  /** Adds or replaces the settings of route `name` (while parsing the configuration). */
  set(name: string, value: T): void {
    const bytes = String.UTF8.encode(name);
    const ptr = changetype<usize>(bytes);
    const length = <usize>bytes.byteLength;
    const hash = hashBytes(ptr, length);
    const index = this.find(ptr, length, hash);
    if (index >= 0) {
      unchecked(this.entries[index]).value = value;
      return;
    }
    this.entries.push(new RouteEntry<T>(name, bytes, hash, value));
    if (this.entries.length * 2 > this.slots.length) this.rebuild(this.slots.length * 2);
    else this.place(this.entries.length - 1);
  }

  /** The settings of route `name`, or null. */
  get(name: string): T | null {
    const key = keyArg(name);
    const index = this.find(key.ptr, key.length, hashBytes(key.ptr, key.length));
    return index >= 0 ? unchecked(this.entries[index]).value : null;
  }

  has(name: string): bool {
    const key = keyArg(name);
    return this.find(key.ptr, key.length, hashBytes(key.ptr, key.length)) >= 0;
  }

  /** Route names in the order they were added. */
  keys(): string[] {
    const names = new Array<string>(this.entries.length);
    for (let i = 0; i < this.entries.length; i++) unchecked(names[i] = unchecked(this.entries[i]).name);
    return names;
  }

  /**
   * The settings of the request's route (`xds.route_name`), or null when the route has none or
   * the host knows no route name. One host call, no allocation.
   */
  forCurrentRoute(): T | null {
    const name: BorrowedBytes | null = ROUTE_NAME.borrow();
    if (name === null) return null;
    const index = this.find(name.ptr, name.length, hashBytes(name.ptr, name.length));
    return index >= 0 ? unchecked(this.entries[index]).value : null;
  }

  private find(ptr: usize, length: usize, hash: u32): i32 {
    const slots = this.slots;
    const mask = <u32>slots.length - 1;
    let at = hash & mask;
    while (true) {
      const stored = unchecked(slots[at]);
      if (stored == 0) return -1;
      if (unchecked(this.entries[stored - 1]).matches(ptr, length, hash)) return stored - 1;
      at = (at + 1) & mask;
    }
    return -1;
  }

  private place(index: i32): void {
    const slots = this.slots;
    const mask = <u32>slots.length - 1;
    let at = unchecked(this.entries[index]).hash & mask;
    while (unchecked(slots[at]) != 0) at = (at + 1) & mask;
    unchecked(slots[at] = index + 1);
  }

  private rebuild(capacity: i32): void {
    this.slots = new StaticArray<i32>(capacity);
    for (let i = 0; i < this.entries.length; i++) this.place(i);
  }
}
