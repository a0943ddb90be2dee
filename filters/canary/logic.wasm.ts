// Test-only module: exposes the canary filter's pure functions to vitest through asc's ESM
// bindings (build/filters/canary/logic.js). Nothing here ships in the filter.
import { fnv1a64 as fnv, keyHash64 as hash } from "@attache/proxy-wasm-sdk/hash64";
import { cookieValue as cookie, stickyCookie as sticky } from "./cookies";
import { Side, envoySide } from "./selection";
import { IdGenerator, assign } from "./assign";
import { FakeRequest } from "@attache/proxy-wasm-sdk/test/fake_request";
import { parseCanaryConfig } from "./config";
import { ConfigErrors } from "@attache/proxy-wasm-sdk/json_view";

export function fnv1a64(text: string): u64 { return fnv(text); }
export function keyHash64(text: string): u64 { return hash(text); }
export function cookieValue(header: string, name: string): string | null { return cookie(header, name); }
export function stickyCookie(name: string, value: string, maxAge: u32, secure: bool): string { return sticky(name, value, maxAge, secure); }
export function isCanary(value: u64, canaryWeight: u32, totalWeight: u32): bool {
  return envoySide(value, canaryWeight, totalWeight) == Side.Canary;
}

class CountingIds extends IdGenerator {
  next: i32 = 0;
  newId(): string { return "visitor-" + (++this.next).toString(); }
}

const ids = new CountingIds();

/** "ok" or the configuration errors, one per line. */
export function checkConfig(json: string): string {
  const errors = new ConfigErrors();
  parseCanaryConfig(String.UTF8.encode(json), errors);
  return errors.ok ? "ok" : errors.messages.join("\n");
}

/**
 * The assignment for one request as "header=<value|none> side=<canary|primary|none>
 * [override] [cookie=<Set-Cookie>]", or "pass" when the route is not configured.
 */
export function assignRequest(json: string, route: string, headers: string, address: string | null): string {
  const errors = new ConfigErrors();
  const config = parseCanaryConfig(String.UTF8.encode(json), errors);
  if (config === null) return "bad config: " + errors.toString();
  const settings = config.routes.get(route);
  if (settings === null) return "pass";
  const result = assign(settings, new FakeRequest(headers, address), ids);
  const sides = ["canary", "primary", "none"];
  const header = result.headerValue;
  let text = "header=" + (header !== null ? header : "none") + " side=" + sides[<i32>result.side];
  if (result.overridden) text += " override";
  const setCookie = result.setCookie;
  if (setCookie !== null) text += " cookie=" + setCookie;
  return text;
}
