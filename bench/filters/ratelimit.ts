// Bench case: the ratelimit filter (filters/ratelimit) — reads xds.route_name, source.address
// and an API key header, hashes the key into one of maxKeys slots, does the compare-and-swap
// read-modify-write of the slot's 16-byte record in shared data (GCRA token bucket, clock read
// per request) and adds RateLimit-* to the response. The bucket never empties (1,000,000
// requests/s), so every request takes the allowed path. The baseline is that decision in plain
// TypeScript on the same headers with a Map as shared data; filters/ratelimit/baseline.test.ts
// checks it answers like the filter.
import { fileURLToPath } from "node:url";
import type { HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";
import { keyHash64 } from "./canary.ts";

const CONFIG = {
  keyBy: ["clientAddress", "header:x-api-key"],
  maxKeys: 10_000,
  routes: { "default/api": { requests: 1_000_000, interval: "1s", responseHeaders: true } },
};
const PROPERTIES = { "xds.route_name": "default/api", "source.address": "10.1.2.3:40000" };
const SECOND = 1_000_000_000n;

interface Slot { fingerprint: bigint; tat: bigint; cas: number }

export interface BaselineLimit { requests: number; intervalNanos: bigint; burst: number; keyBy: string[]; responseHeaders: boolean }

/**
 * The ratelimit decision (filters/ratelimit: key.ts, buckets.ts, gcra.ts, response.ts) over a
 * Map standing in for shared data. Returns a function of (request headers, response headers,
 * now) giving null when allowed (RateLimit-* added to the response when configured) or the
 * 429's headers.
 */
export function ratelimitBaseline(routes: Record<string, BaselineLimit>, maxKeys: number, properties: Record<string, string>) {
  const shared = new Map<string, Slot>();
  let nextCas = 1;
  const limits = new Map(Object.entries(routes).map(([name, r]) => {
    const emission = r.intervalNanos / BigInt(r.requests);
    return [name, { ...r, emission, window: emission * BigInt(r.burst) }] as const;
  }));
  const ceilSeconds = (ns: bigint) => (ns + SECOND - 1n) / SECOND;
  return (request: HeaderPairs, response: HeaderPairs | undefined, now: bigint): HeaderPairs | null => {
    const route = properties["xds.route_name"]!;
    const limit = limits.get(route);
    if (!limit) return null;
    let key = route;
    for (const part of limit.keyBy) {
      const value = part === "clientAddress"
        ? properties["source.address"]?.replace(/:\d+$/, "")
        : request.find(([k]) => k === part.slice("header:".length))?.[1];
      key += `\n${value ?? ""}`;
    }
    const fingerprint = keyHash64(key);
    const slotName = `attache.ratelimit/${fingerprint % BigInt(maxKeys)}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const slot = shared.get(slotName);
      const own = !slot || slot.fingerprint === fingerprint || slot.tat > now;
      const owner = slot && own ? slot.fingerprint : fingerprint;
      const tat = slot && own ? slot.tat : 0n;
      const next = (tat > now ? tat : now) + limit.emission;
      const ahead = next - now;
      const headers = (remaining: bigint, reset: bigint): HeaderPairs => [
        ["ratelimit-limit", String(limit.burst)], ["ratelimit-remaining", String(remaining)], ["ratelimit-reset", String(reset)],
      ];
      if (ahead > limit.window) {
        return [["retry-after", String(ceilSeconds(ahead - limit.window))], ...headers(0n, ceilSeconds(tat > now ? tat - now : 0n)), ["content-type", "application/json"]];
      }
      if (slot && shared.get(slotName)!.cas !== slot.cas) continue; // CAS lost: read again
      shared.set(slotName, { fingerprint: owner, tat: next, cas: nextCas++ });
      if (limit.responseHeaders && response) response.push(...headers((limit.window - ahead) / limit.emission, ceilSeconds(ahead)));
      return null;
    }
    return null; // contention: fail open
  };
}

const ratelimitCase: FilterBenchCase = {
  name: "ratelimit",
  description: "key = route + client address + API key (1,000 keys), CAS bucket update in shared data, RateLimit-* on the response",
  wasm: fileURLToPath(new URL("../../build/filters/ratelimit.release.wasm", import.meta.url)),
  configuration: CONFIG,
  properties: PROPERTIES,
  request: (i) => [
    [":method", "GET"],
    [":path", `/items/${i % 1000}`],
    [":authority", "api.example.com"],
    ["x-api-key", `key-${i % 1000}`],
  ],
  response: () => [[":status", "200"], ["content-type", "application/json"]],
  baseline() {
    const config = JSON.parse(JSON.stringify(CONFIG)) as typeof CONFIG;
    const route = config.routes["default/api"];
    const decide = ratelimitBaseline(
      { "default/api": { requests: route.requests, intervalNanos: SECOND, burst: route.requests, keyBy: config.keyBy, responseHeaders: route.responseHeaders } },
      config.maxKeys,
      PROPERTIES,
    );
    return (request: HeaderPairs, response: HeaderPairs | undefined) => decide(request, response, BigInt(Date.now()) * 1_000_000n);
  },
};

export default ratelimitCase;
