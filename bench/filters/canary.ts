// Bench case: the canary filter (filters/canary) — reads xds.route_name, the override header
// and the user key header, hashes the key (FNV-1a 64 + fmix64) and writes the decimal value
// into the header Envoy's WeightedCluster.header_name reads. The baseline is that decision in
// plain TypeScript on the same header list, config pre-parsed as onConfigure does;
// filters/canary/baseline.test.ts checks it writes the same values as the filter.
import { fileURLToPath } from "node:url";
import type { HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";

const CONFIG = {
  keySources: ["header:x-user-id", "cookie:attache-canary", "clientAddress"],
  routes: { "default/web": { canaryWeight: 10 } },
};
const PROPERTIES = { "xds.route_name": "default/web", "source.address": "10.1.2.3:40000" };

const MASK32 = 0xffffffff;

/** 64-bit multiply of (hi, lo) by (chi, clo), all u32 halves; returns the low 64 bits. */
function mul64(hi: number, lo: number, chi: number, clo: number): [number, number] {
  const a0 = lo & 0xffff, a1 = lo >>> 16, b0 = clo & 0xffff, b1 = clo >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const low = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  const high = (carry + Math.imul(lo, chi) + Math.imul(hi, clo)) & MASK32;
  return [high >>> 0, low >>> 0];
}

/** FNV-1a 64 over UTF-8 + MurmurHash3 fmix64, as filters/sdk/hash64.ts. */
export function keyHash64(key: string): bigint {
  let hi = 0xcbf29ce4, lo = 0x84222325;
  const bytes = Buffer.from(key, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    [hi, lo] = mul64(hi, lo, 0x00000100, 0x000001b3);
  }
  // fmix64: k ^= k >> 33 (only the high word's bits 1.. reach the low word), k *= c1, ...
  lo = (lo ^ (hi >>> 1)) >>> 0;
  [hi, lo] = mul64(hi, lo, 0xff51afd7, 0xed558ccd);
  lo = (lo ^ (hi >>> 1)) >>> 0;
  [hi, lo] = mul64(hi, lo, 0xc4ceb9fe, 0x1a85ec53);
  lo = (lo ^ (hi >>> 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

interface Route { canaryWeight: number; totalWeight: number; hashHeader: string; overrideHeader: string }

/** The canary decision (filters/canary/assign.ts) for one request; returns the value written or null. */
export function canaryBaseline(config: typeof CONFIG, properties: Record<string, string>) {
  const routes = new Map<string, Route>(Object.entries(config.routes).map(([name, r]) => [
    name, { canaryWeight: r.canaryWeight, totalWeight: 100, hashHeader: "x-attache-canary-hash", overrideHeader: "x-canary" },
  ]));
  const sources = config.keySources.map((s) => s.split(":") as [string, string?]);
  return (headers: HeaderPairs): string | null => {
    const route = routes.get(properties["xds.route_name"]!);
    if (!route) return null;
    const get = (name: string) => headers.find(([k]) => k === name)?.[1];
    const override = get(route.overrideHeader);
    let value: string | null = null;
    if (override === "always") value = "0";
    else if (override === "never") value = String(route.totalWeight - 1);
    else {
      let key: string | undefined;
      for (const [kind, name] of sources) {
        if (kind === "header") key = get(name!);
        else if (kind === "cookie") key = cookieValue(get("cookie") ?? "", name!);
        else key = properties["source.address"]?.replace(/:\d+$/, "");
        if (key) break;
      }
      if (key) value = keyHash64(key).toString();
    }
    const index = headers.findIndex(([k]) => k === route.hashHeader);
    if (value === null) {
      if (index >= 0) headers.splice(index, 1);
    } else if (index >= 0) headers[index] = [route.hashHeader, value];
    else headers.push([route.hashHeader, value]);
    return value;
  };
}

function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

const canaryCase: FilterBenchCase = {
  name: "canary",
  description: "route + override + user-id header, hash, writes the weighted-cluster header",
  wasm: fileURLToPath(new URL("../../build/filters/canary.release.wasm", import.meta.url)),
  configuration: CONFIG,
  properties: PROPERTIES,
  request: (i) => [
    [":method", "GET"],
    [":path", `/shop/${i % 1000}`],
    [":authority", "shop.example.com"],
    ["x-user-id", `user-${i % 1000}`],
  ],
  baseline() {
    const decide = canaryBaseline(JSON.parse(JSON.stringify(CONFIG)) as typeof CONFIG, PROPERTIES);
    return (headers: HeaderPairs) => decide(headers);
  },
};

export default canaryCase;
