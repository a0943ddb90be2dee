// Test-only module: exposes the ratelimit filter's pure functions to vitest through asc's ESM
// bindings (build/filters/ratelimit/logic.js). Nothing here ships in the filter.
import { parseDurationNanos as parseDuration } from "./duration";
import { stripPort as strip } from "@attache/proxy-wasm-sdk/client_address";
import { Decision, Limit, availableTokens, takeToken } from "./gcra";
import { Outcome, SlotRecord, SlotStore, Verdict, consume, decodeRecord, encodeRecord } from "./buckets";
import { limitedBody, limitedHeaders, rateLimitHeaders } from "./response";
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { ConfigErrors } from "@attache/proxy-wasm-sdk/json_view";
import { parseRateLimitConfig } from "./config";
import { KeyBytes, KeyPart, bucketFingerprint, bucketKey, routeKeyState } from "./key";
import { keyHash64 as hash } from "@attache/proxy-wasm-sdk/hash64";
import { FakeRequest } from "@attache/proxy-wasm-sdk/test/fake_request";

export function parseDurationNanos(text: string): u64 {
  return parseDuration(text);
}

export function keyHash64(text: string): u64 {
  return hash(text);
}

export function stripPort(address: string): string {
  return strip(address);
}

function describe(decision: Decision): string {
  return (decision.allowed ? "allowed" : "limited") + " tat=" + decision.tat.toString() +
    " remaining=" + decision.remaining.toString() + " reset=" + decision.resetSeconds.toString() +
    " retryAfter=" + decision.retryAfterSeconds.toString();
}

export function takeTokenAt(requests: u32, intervalNanos: u64, burst: u32, tat: u64, now: u64): string {
  return describe(takeToken(new Limit(requests, intervalNanos, burst), tat, now, new Decision()));
}

export function tokensAt(requests: u32, intervalNanos: u64, burst: u32, tat: u64, now: u64): u32 {
  return availableTokens(new Limit(requests, intervalNanos, burst), tat, now);
}

function joinHeaders(headers: HeaderPair[]): string {
  let out = "";
  for (let i = 0; i < headers.length; i++) out += headers[i].key + ": " + headers[i].value + "\n";
  return out;
}

export function headersFor(requests: u32, intervalNanos: u64, burst: u32, tat: u64, now: u64, legacy: bool): string {
  const limit = new Limit(requests, intervalNanos, burst);
  const decision = takeToken(limit, tat, now, new Decision());
  return decision.allowed ? joinHeaders(rateLimitHeaders(limit, decision, legacy))
    : joinHeaders(limitedHeaders(limit, decision, legacy)) + limitedBody(decision);
}

/** An in-memory shared-data stand-in that can inject CAS conflicts. */
class FakeStore extends SlotStore {
  values: Map<u32, ArrayBuffer> = new Map();
  cases: Map<u32, u32> = new Map();
  nextCas: u32 = 1;
  /** Writes to fail with CasMismatch before writes succeed again. */
  conflictsToInject: i32 = 0;
  writes: i32 = 0;

  read(slot: u32, into: SlotRecord): bool {
    if (!this.values.has(slot)) return false;
    const value = this.values.get(slot);
    decodeRecord(changetype<usize>(value), <usize>value.byteLength, this.cases.get(slot), into);
    return true;
  }

  write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool {
    this.writes++;
    if (this.conflictsToInject > 0) {
      this.conflictsToInject--;
      // Another worker wrote meanwhile: the slot's cas moved on.
      if (this.values.has(slot)) this.cases.set(slot, this.nextCas++);
      return false;
    }
    if (cas != 0 && (!this.cases.has(slot) || this.cases.get(slot) != cas)) return false;
    this.values.set(slot, encodeRecord(fingerprint, tat));
    this.cases.set(slot, this.nextCas++);
    return true;
  }
}

let fake = new FakeStore();

export function fakeReset(conflicts: i32): void {
  fake = new FakeStore();
  fake.conflictsToInject = conflicts;
}

export function fakeConsume(slotCount: u32, key: string, requests: u32, intervalNanos: u64, burst: u32, now: u64): string {
  const verdict = consume(fake, slotCount, hash(key), new Limit(requests, intervalNanos, burst), now, new Verdict());
  const names = ["allowed", "limited", "failed-open"];
  let text = names[<i32>verdict.outcome];
  if (verdict.outcome != Outcome.FailedOpen) text += " remaining=" + verdict.decision.remaining.toString();
  if (verdict.sharedSlot) text += " shared";
  return text;
}

export function fakeSlotsUsed(): i32 {
  return fake.values.size;
}

export function fakeWrites(): i32 {
  return fake.writes;
}

/** "ok" or the configuration errors, one per line. */
export function checkConfig(json: string): string {
  const errors = new ConfigErrors();
  parseRateLimitConfig(String.UTF8.encode(json), errors);
  return errors.ok ? "ok" : errors.messages.join("\n");
}

/** The resolved settings of `route`: "requests=.. interval=..ns burst=.. keyBy=.. [responseHeaders] [legacyHeaders] maxKeys=..", or "pass". */
export function describeRoute(json: string, route: string): string {
  const errors = new ConfigErrors();
  const config = parseRateLimitConfig(String.UTF8.encode(json), errors);
  if (config === null) return "bad config: " + errors.toString();
  const settings = config.routes.get(route);
  if (settings === null) return "pass";
  const parts = new Array<string>();
  for (let i = 0; i < settings.keyBy.length; i++) {
    const part = settings.keyBy[i];
    parts.push(part.isClientAddress ? "clientAddress" : "header:" + part.headerName);
  }
  let text = "requests=" + settings.limit.requests.toString() + " interval=" + settings.limit.intervalNanos.toString() +
    "ns burst=" + settings.limit.burst.toString() + " keyBy=" + parts.join(",");
  if (settings.responseHeaders) text += " responseHeaders";
  if (settings.legacyHeaders) text += " legacyHeaders";
  return text + " maxKeys=" + config.maxKeys.toString();
}

/** The keyBy parts of `route`, or null when the configuration is bad or does not limit the route. */
function keyPartsOf(json: string, route: string): KeyPart[] | null {
  const config = parseRateLimitConfig(String.UTF8.encode(json), new ConfigErrors());
  if (config === null) return null;
  const settings = config.routes.get(route);
  return settings !== null ? settings.keyBy : null;
}

/** The bucket key of a request ("name: value" header lines), with "\n" shown as "|". */
export function keyFor(json: string, route: string, headers: string, address: string | null): string {
  const parts = keyPartsOf(json, route);
  if (parts === null) return "pass";
  return bucketKey(route, parts, new FakeRequest(headers, address)).replaceAll("\n", "|");
}

/** KeyBytes over a FakeRequest's values (the address raw, port included, as the host has it). */
class FakeKeyBytes extends KeyBytes {
  private held: ArrayBuffer = new ArrayBuffer(0);
  constructor(private readonly request: FakeRequest, private readonly address: string | null) { super(); }

  read(part: KeyPart): bool {
    const value = part.isClientAddress ? this.address : this.request.header(part.headerName);
    if (value === null) return false;
    this.held = String.UTF8.encode(value);
    this.ptr = changetype<usize>(this.held);
    this.length = <usize>this.held.byteLength;
    return true;
  }
}

/** The fingerprint the filter computes for that request (0 = "pass"); equals keyHash64 of the key. */
export function fingerprintFor(json: string, route: string, headers: string, address: string | null): u64 {
  const parts = keyPartsOf(json, route);
  if (parts === null) return 0;
  return bucketFingerprint(routeKeyState(route), parts, new FakeKeyBytes(new FakeRequest(headers, address), address));
}
