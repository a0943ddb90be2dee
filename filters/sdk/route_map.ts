// Per-route settings. Envoy has no per-route Wasm configuration (a new plugin configuration is a
// new plugin instance), so Attaché puts each route's settings for a filter on the route itself,
// as JSON text in its metadata: `filter_metadata["attache.wasm"]["<plugin name>"]`, which the
// filter reads as the property `xds.route_metadata.filter_metadata.attache.wasm.<plugin name>`
// (ARCHITECTURE.md, "How Wasm filters reach a route"). The plugin configuration then holds only
// the defaults, so a route edit changes one route, never the plugin configuration every route
// shares. A plugin configuration may still list `routes: {"<route name>": {...}}` (tests, and
// hand-written configs); those entries win.
// forCurrentRoute() makes one host call per request, the settings property: parsed values are
// keyed by the settings text alone, so routes with the same text share one value. A value that
// depends on the route's name (ratelimit: its buckets are per route) takes the name from the
// settings' own `route` field, which the translator writes for such filters; settings without
// it are told apart by `xds.route_name`, a second host call. `xds.route_name` is read first only
// when the plugin configuration lists `routes`. Lookups hash the bytes where the host left them
// (memory.ts) and compare them with the stored texts: no allocation per request once a text
// was parsed.
import { BorrowedBytes } from "./memory";
import { PropertyPath, ROUTE_NAME, getPluginName, getRouteName } from "./properties";
import { keyArg } from "./args";
import { ConfigErrors, JsonObject, childPath, parseConfigObject } from "./json_view";
import { JsonKind } from "./json";
import { logError } from "./log";

/** The filter_metadata namespace of the routes' settings (controlplane/translate/wasm.ts). */
export const ROUTE_SETTINGS_METADATA = "attache.wasm";
/** The settings' own field naming their route, for values that depend on it (controlplane/translate/wasm.ts). */
export const ROUTE_NAME_FIELD = "route";
/** Parsed metadata settings kept at most; past it the cache starts over (configs churn). */
const MAX_METADATA_ENTRIES = 4096;

/** Turns one route's settings object into the filter's per-route value (its config parser). */
export abstract class RouteSettingsResolver<T> {
  /**
   * The route's value, or null after recording problems in `settings.errors`. `route` is the
   * settings' `route` field when present, else the route's `xds.route_name` ("" when unknown);
   * unless usesRouteName() is true, it is the first route seen with this settings text.
   */
  abstract resolve(route: string, settings: JsonObject): T | null;

  /**
   * True when the value depends on the route's name (e.g. state kept per route): settings
   * without a `route` field are then parsed per route name, not shared by routes with the
   * same text.
   */
  usesRouteName(): bool { return false; }
}

/** A reusable byte buffer: the settings text of the current request, then "\n" + route name. */
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

/** FNV-1a 32 over bytes: spreads keys over the table's slots. */
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
  /** A metadata text without a `route` field whose value depends on the route's name: look again by text + route name. */
  perRouteName: bool = false;

  constructor(public readonly name: string, public readonly bytes: ArrayBuffer, public readonly hash: u32, public value: T) {}

  matches(ptr: usize, length: usize, hash: u32): bool {
    return this.hash == hash && <usize>this.bytes.byteLength == length &&
      memory.compare(changetype<usize>(this.bytes), ptr, length) == 0;
  }
}

/** A copy of `length` bytes at `ptr`. */
function copyOut(ptr: usize, length: usize): ArrayBuffer {
  const bytes = new ArrayBuffer(<i32>length);
  memory.copy(changetype<usize>(bytes), ptr, length);
  return bytes;
}

export class RouteMap<T> {
  private entries: RouteEntry<T>[] = [];
  /** Open addressing: entry index + 1 per slot (0 = empty); at most half full. */
  private slots: StaticArray<i32> = new StaticArray<i32>(8);

  /** Parses settings found in route metadata (null: only the configuration's `routes`). */
  private resolver: RouteSettingsResolver<T> | null = null;
  /** Metadata settings parsed so far, keyed by their text. */
  private byText: RouteMap<T> | null = null;
  /** The values of `perRouteName` texts, keyed by text + "\n" + route name. */
  private byTextAndRoute: RouteMap<T> | null = null;
  private settingsPath: PropertyPath | null = null;

  /** Number of routes listed in the configuration. */
  get size(): i32 { return this.entries.length; }

  /** Also read settings from the route's metadata, parsed by `resolver` (once per text). */
  readRouteMetadata(resolver: RouteSettingsResolver<T>): void {
    this.resolver = resolver;
  }

  /**
   * One route's settings object parsed by the resolver readRouteMetadata set (null without
   * one, or after recording problems in `settings.errors`): for a filter that carries this
   * filter's settings inside its own.
   */
  resolveSettings(route: string, settings: JsonObject): T | null {
    const resolver = this.resolver;
    return resolver !== null ? resolver.resolve(route, settings) : null;
  }

  /** Adds or replaces the settings of route `name` (while parsing the configuration). */
  set(name: string, value: T): void {
    this.insert(String.UTF8.encode(name), name, value);
  }

  private insert(bytes: ArrayBuffer, name: string, value: T): RouteEntry<T> {
    const ptr = changetype<usize>(bytes);
    const length = <usize>bytes.byteLength;
    const hash = hashBytes(ptr, length);
    const index = this.find(ptr, length, hash);
    if (index >= 0) {
      const entry = unchecked(this.entries[index]);
      entry.value = value;
      return entry;
    }
    const entry = new RouteEntry<T>(name, bytes, hash, value);
    this.entries.push(entry);
    if (this.entries.length * 2 > this.slots.length) this.rebuild(this.slots.length * 2);
    else this.place(this.entries.length - 1);
    return entry;
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
   * The settings of the request's route: its entry in the configuration's `routes` (by
   * `xds.route_name`, read only when `routes` is not empty), else its metadata settings; null
   * when it has none. One host call per request for metadata settings (two for a text whose
   * value depends on the route's name and that does not name its route); no allocation once
   * the text was parsed.
   */
  forCurrentRoute(): T | null {
    if (this.entries.length > 0) {
      const name: BorrowedBytes | null = ROUTE_NAME.borrow();
      if (name !== null) {
        const index = this.find(name.ptr, name.length, hashBytes(name.ptr, name.length));
        if (index >= 0) return unchecked(this.entries[index]).value;
      }
    }
    const resolver = this.resolver;
    if (resolver === null) return null;
    const settings: BorrowedBytes | null = this.metadataPath().borrow();
    if (settings === null) return null;
    let byText = this.byText;
    if (byText === null) this.byText = byText = new RouteMap<T>();
    const index = byText.find(settings.ptr, settings.length, hashBytes(settings.ptr, settings.length));
    if (index < 0) return this.resolveText(resolver, copyOut(settings.ptr, settings.length));
    const entry = unchecked(byText.entries[index]);
    if (!entry.perRouteName) return entry.value;
    // The settings are borrowed from the host: keep the text before asking for the name.
    key.length = 0;
    key.append(settings.ptr, settings.length);
    this.appendRouteName();
    const byRoute = this.byTextAndRoute!;
    const found = byRoute.find(key.ptr, key.length, hashBytes(key.ptr, key.length));
    if (found >= 0) return unchecked(byRoute.entries[found]).value;
    return this.resolveText(resolver, entry.bytes);
  }

  /** Appends "\n" + the request's `xds.route_name` (nothing after "\n" when unknown) to `key`. */
  private appendRouteName(): void {
    key.append(NEWLINE, 1);
    const name: BorrowedBytes | null = ROUTE_NAME.borrow();
    if (name !== null) key.append(name.ptr, name.length);
  }

  /** Parses a settings `text` (first seen, or first seen on this route) and remembers its value. */
  private resolveText(resolver: RouteSettingsResolver<T>, text: ArrayBuffer): T | null {
    const errors = new ConfigErrors();
    const top = parseConfigObject(text, errors);
    let named = top !== null ? top.raw(ROUTE_NAME_FIELD) : null;
    const misnamed = named !== null && named.kind != JsonKind.String;
    if (misnamed) named = null;
    const perRouteName = named === null && resolver.usesRouteName();
    let route = "";
    if (named !== null) route = named.stringValue;
    else {
      const name = getRouteName();
      if (name !== null) route = name;
    }
    const path = childPath("routes", route);
    if (misnamed) errors.add(childPath(path, ROUTE_NAME_FIELD), "must be a string (the route's name)");
    const value = top !== null ? resolver.resolve(route, new JsonObject(top.value, path, errors)) : null;
    if (value === null || !errors.ok) {
      logError("route " + route + ": invalid settings in route metadata: " + errors.toString());
      return null;
    }
    let byText = this.byText!;
    if (byText.size >= MAX_METADATA_ENTRIES) {
      this.byText = byText = new RouteMap<T>();
      this.byTextAndRoute = null;
    }
    byText.insert(text, route, value).perRouteName = perRouteName;
    if (perRouteName) {
      let byRoute = this.byTextAndRoute;
      if (byRoute === null || byRoute.size >= MAX_METADATA_ENTRIES) this.byTextAndRoute = byRoute = new RouteMap<T>();
      key.length = 0;
      key.append(changetype<usize>(text), <usize>text.byteLength);
      key.append(NEWLINE, 1);
      const name = String.UTF8.encode(route);
      key.append(changetype<usize>(name), <usize>name.byteLength);
      byRoute.insert(copyOut(key.ptr, key.length), route, value);
    }
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
