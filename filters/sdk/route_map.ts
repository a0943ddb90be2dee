// Per-route settings. Envoy has no per-route Wasm configuration (a new plugin configuration is a
// new plugin instance), so Attaché puts each route's settings for a filter on the route itself,
// as JSON text in its metadata: `filter_metadata["attache.wasm"]["<plugin name>"]`, which the
// filter reads as the property `xds.route_metadata.filter_metadata.attache.wasm.<plugin name>`
// (ARCHITECTURE.md, "How Wasm filters reach a route"). The plugin configuration then holds only
// the defaults, so a route edit changes one route, never the plugin configuration every route
// shares. A plugin configuration may still list `routes: {"<route name>": {...}}` (tests, and
// hand-written configs); those entries win.
// forCurrentRoute() finds the settings without turning anything into a string: it hashes the
// bytes where the host left them (memory.ts) and compares them with entries parsed once, keyed
// by route name (configuration) or by route name + settings text (metadata, parsed on first
// use). No allocation per request once a route's settings were seen.
import { BorrowedBytes } from "./memory";
import { PropertyPath, ROUTE_NAME, getPluginName } from "./properties";
import { keyArg } from "./args";
import { ConfigErrors, JsonObject, childPath, parseConfigObject } from "./json_view";
import { logError } from "./log";

/** The filter_metadata namespace of the routes' settings (controlplane/translate/wasm.ts). */
export const ROUTE_SETTINGS_METADATA = "attache.wasm";
/** Parsed metadata settings kept at most; past it the cache starts over (configs churn). */
const MAX_METADATA_ENTRIES = 4096;

/** Turns one route's settings object into the filter's per-route value (its config parser). */
export abstract class RouteSettingsResolver<T> {
  /** The route's value, or null after recording problems in `settings.errors`. */
  abstract resolve(route: string, settings: JsonObject): T | null;
}

/** A reusable byte buffer: the route name + "\n" + settings text of the current request. */
class KeyBuffer {
  buffer: ArrayBuffer = new ArrayBuffer(256);
  length: usize = 0;
  append(ptr: usize, length: usize): void {
    const needed = this.length + length;
    if (needed > <usize>this.buffer.byteLength) {
      let size = this.buffer.byteLength * 2;
      while (<usize>size < needed) size *= 2;
      const grown = new ArrayBuffer(size);
      memory.copy(changetype<usize>(grown), changetype<usize>(this.buffer), this.length);
      this.buffer = grown;
    }
    memory.copy(changetype<usize>(this.buffer) + this.length, ptr, length);
    this.length = needed;
  }
  get ptr(): usize { return changetype<usize>(this.buffer); }
}
const key = new KeyBuffer();
const NEWLINE = memory.data<u8>([10]);

/** FNV-1a 32 over bytes: spreads route names over the table's slots. */
function hashBytes(ptr: usize, length: usize): u32 {
  let hash: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < length; i++) hash = (hash ^ <u32>load<u8>(ptr + i)) * 0x01000193;
  return hash;
}

/** The route's settings text in its metadata, for the plugin named `plugin`. */
function routeSettingsPath(plugin: string): PropertyPath {
  return new PropertyPath(["xds", "route_metadata", "filter_metadata", ROUTE_SETTINGS_METADATA, plugin]);
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

  /** Parses settings found in route metadata (null: only the configuration's `routes`). */
  private resolver: RouteSettingsResolver<T> | null = null;
  /** Metadata settings parsed so far, keyed by route name + "\n" + settings text. */
  private fromMetadata: RouteMap<T> | null = null;
  private settingsPath: PropertyPath | null = null;

  /** Number of routes listed in the configuration. */
  get size(): i32 { return this.entries.length; }

  /** Also read settings from the route's metadata, parsed by `resolver` (once per route and text). */
  readRouteMetadata(resolver: RouteSettingsResolver<T>): void {
    this.resolver = resolver;
  }

  /** Adds or replaces the settings of route `name` (while parsing the configuration). */
  set(name: string, value: T): void {
    this.insert(String.UTF8.encode(name), name, value);
  }

  private insert(bytes: ArrayBuffer, name: string, value: T): void {
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
   * The settings of the request's route (`xds.route_name`): its entry in the configuration's
   * `routes`, else its metadata settings; null when it has none or the host knows no route
   * name. One host call, two with metadata; no allocation once the settings were parsed.
   */
  forCurrentRoute(): T | null {
    const name: BorrowedBytes | null = ROUTE_NAME.borrow();
    if (name === null) return null;
    if (this.entries.length > 0) {
      const index = this.find(name.ptr, name.length, hashBytes(name.ptr, name.length));
      if (index >= 0) return unchecked(this.entries[index]).value;
    }
    const resolver = this.resolver;
    if (resolver === null) return null;
    // Both values are borrowed from the host: keep the name before asking for the settings.
    key.length = 0;
    key.append(name.ptr, name.length);
    const nameLength = name.length;
    key.append(NEWLINE, 1);
    const settings: BorrowedBytes | null = this.metadataPath().borrow();
    if (settings === null) return null;
    key.append(settings.ptr, settings.length);
    let cache = this.fromMetadata;
    if (cache === null) this.fromMetadata = cache = new RouteMap<T>();
    const index = cache.find(key.ptr, key.length, hashBytes(key.ptr, key.length));
    if (index >= 0) return unchecked(cache.entries[index]).value;
    return this.resolveMetadata(resolver, cache, nameLength);
  }

  /** Parses the settings in `key` (route name, "\n", text) and remembers them. */
  private resolveMetadata(resolver: RouteSettingsResolver<T>, cache: RouteMap<T>, nameLength: usize): T | null {
    const route = String.UTF8.decodeUnsafe(key.ptr, nameLength);
    const text = new ArrayBuffer(<i32>(key.length - nameLength - 1));
    memory.copy(changetype<usize>(text), key.ptr + nameLength + 1, key.length - nameLength - 1);
    const errors = new ConfigErrors();
    const top = parseConfigObject(text, errors);
    const value = top !== null ? resolver.resolve(route, new JsonObject(top.value, childPath("routes", route), errors)) : null;
    if (value === null || !errors.ok) {
      logError("route " + route + ": invalid settings in route metadata: " + errors.toString());
      return null;
    }
    if (cache.size >= MAX_METADATA_ENTRIES) this.fromMetadata = cache = new RouteMap<T>();
    const bytes = new ArrayBuffer(<i32>key.length);
    memory.copy(changetype<usize>(bytes), key.ptr, key.length);
    cache.insert(bytes, route, value);
    return value;
  }

  private metadataPath(): PropertyPath {
    let path = this.settingsPath;
    if (path === null) {
      const plugin = getPluginName();
      this.settingsPath = path = routeSettingsPath(plugin !== null ? plugin : "");
    }
    return path;
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
