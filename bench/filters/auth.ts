// Bench cases for the auth filter (shape: case.ts). The default export is the API-key case,
// which bench/filters/index.ts runs like every filter (100k requests x 7 rounds). JWT requests
// cost hundreds of microseconds, too many for that loop, so `jwtRs256Case` (same shape) and
// runAuthBench() (a shorter loop: API key, HS256, RS256, ES256, each with its plain-TypeScript
// baseline on node:crypto in the same run, plus the module size) are separate:
//   npx tsx bench/filters/auth.ts
import { createHash, createPublicKey, timingSafeEqual, verify, createHmac, type KeyObject } from "node:crypto";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EmulatorOptions, FakeClock, HeadersAction, HostEmulator, type HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";
import { API_KEY, NOW, makeFixture } from "../../filters/auth/fixtures.ts";
import { makeJwt } from "../../filters/auth/token-fixtures.ts";

const RELEASE_WASM = fileURLToPath(new URL("../../build/filters/auth.release.wasm", import.meta.url));

interface Timed { run: () => void; callsPerBatch: number }

/**
 * Median over `rounds` batches of the mean time per call, in microseconds, after a warm-up
 * batch (JIT, Wasm tier-up). Cases run one after another, each in its steady state, as a
 * route's traffic would; interleaving them measured every case slower and noisier here.
 */
function medianMicros({ run, callsPerBatch }: Timed, rounds: number): number {
  for (let i = 0; i < callsPerBatch; i++) run();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < callsPerBatch; i++) run();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / callsPerBatch);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

// The same decisions in plain TypeScript (the baseline).
export function baselineApiKey(digests: Buffer[], presented: string): boolean {
  const digest = createHash("sha256").update(presented).digest();
  let matched = false;
  for (const expected of digests) matched = timingSafeEqual(digest, expected) || matched;
  return matched;
}

export interface BaselineKey { alg: string; kid: string; key: KeyObject | Buffer }
export function baselineJwt(keys: BaselineKey[], token: string, now: number): Record<string, string> | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString());
  if (typeof header.alg !== "string" || header.alg.toLowerCase() === "none" || header.crit) return null;
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, "base64url");
  const ok = keys.some((k) => {
    if (k.alg !== header.alg || (header.kid !== undefined && header.kid !== k.kid)) return false;
    if (k.alg === "HS256") {
      const mac = createHmac("sha256", k.key as Buffer).update(input).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    return verify("sha256", input, k.alg === "ES256" ? { key: k.key as KeyObject, dsaEncoding: "ieee-p1363" } : (k.key as KeyObject), signature);
  });
  if (!ok) return null;
  const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString());
  if (typeof claims.exp !== "number" || now >= claims.exp + 30) return null;
  if (typeof claims.nbf === "number" && now + 30 < claims.nbf) return null;
  if (claims.iss !== "https://issuer.example") return null;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a: unknown) => a === "api" || a === "admin")) return null;
  if (claims.sub === undefined) return null;
  return { "x-user": String(claims.sub), "x-groups": (claims.groups as string[]).join(",") };
}

export interface AuthBenchRow { name: string; filterMicros: number; baselineMicros: number; target: string }

export async function measureAuth(): Promise<{ rows: AuthBenchRow[]; moduleBytes: number }> {
  const host = new HostEmulator(new EmulatorOptions().withWasm(RELEASE_WASM).withClock(new FakeClock(NOW * 1000)).withLogLevel("info").withPluginConfiguration(fixture.config));
  host.startPlugin();
  const request = (route: string, headers: Record<string, string>) => () => {
    const id = host.initializeHttpContext({ "xds.route_name": route });
    const action = host.callOnRequestHeaders(id, { ":method": "GET", ":path": "/orders", ":authority": "shop.example", ...headers }, true);
    if (action !== HeadersAction.Continue) throw new Error(`bench: ${route} was refused`);
    host.completeHttpContext(id);
  };
  const publicRoute = request("default/public", {});

  const digests = fixture.config.apiKeys.keys.map((k) => Buffer.from(k.sha256, "hex"));
  const baselineKeys: BaselineKey[] = [
    { alg: "HS256", kid: "hs-1", key: Buffer.from(fixture.hs.jwk.k!, "base64url") },
    { alg: "RS256", kid: "rs-1", key: createPublicKey({ key: fixture.rs.jwk, format: "jwk" }) },
    { alg: "ES256", kid: "es-1", key: createPublicKey({ key: fixture.es.jwk, format: "jwk" }) },
  ];
  const timed = (run: () => void, callsPerBatch: number): Timed => ({ run, callsPerBatch });
  const plan: { name: string; target: string; filter: Timed; baseline?: Timed }[] = [
    { name: "host round trip, auth disabled on the route (host overhead)", target: "", filter: timed(publicRoute, 1000) },
    {
      name: "API key (header, 2 configured keys)", target: "< 3 µs",
      filter: timed(request("default/api", { "x-api-key": API_KEY }), 1000),
      baseline: timed(() => { if (!baselineApiKey(digests, API_KEY)) throw new Error("baseline"); }, 1000),
    },
  ];
  for (const [alg, key, calls] of [["HS256", fixture.hs, 500], ["RS256", fixture.rs, 40], ["ES256", fixture.es, 10]] as const) {
    const token = makeJwt(key, fixture.goodClaims);
    plan.push({
      name: `JWT ${alg} (verify + exp/nbf/iss/aud/required claim + 2 claim headers)`, target: alg === "RS256" ? "< 300 µs" : "",
      filter: timed(request("default/jwt", { authorization: `Bearer ${token}` }), calls),
      baseline: timed(() => { if (!baselineJwt(baselineKeys, token, NOW)) throw new Error("baseline"); }, calls),
    });
  }
  // Warm the shared host path with every case first, so the first case measured is not the one paying for JIT.
  for (const p of plan) for (let i = 0; i < p.filter.callsPerBatch; i++) p.filter.run();
  const rows: AuthBenchRow[] = plan.map((p) => ({
    name: p.name, target: p.target, filterMicros: medianMicros(p.filter, 15), baselineMicros: p.baseline ? medianMicros(p.baseline, 15) : 0,
  }));
  host.dispose();
  return { rows, moduleBytes: statSync(RELEASE_WASM).size };
}

/** Markdown section for BENCHMARKS.md. */
export async function runAuthBench(): Promise<string> {
  const { rows, moduleBytes } = await measureAuth();
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
  const lines = [
    "### auth filter (`build/filters/auth.release.wasm`)",
    "",
    "| request | filter through host (µs, median) | plain TypeScript + node:crypto (µs) | ratio | target |",
    "| --- | ---: | ---: | ---: | --- |",
    ...rows.map((r) => `| ${r.name} | ${fmt(r.filterMicros)} | ${r.baselineMicros ? fmt(r.baselineMicros) : "–"} | ${r.baselineMicros ? (r.filterMicros / r.baselineMicros).toFixed(1) + "×" : "–"} | ${r.target} |`),
    "",
    `Module size (release): ${(moduleBytes / 1024).toFixed(1)} KiB (target < 64 KiB).`,
  ];
  return lines.join("\n");
}

const fixture = makeFixture();
const header = (request: HeaderPairs, name: string) => request.find(([key]) => key === name)?.[1];

/** The API-key request as a case for bench/filters/index.ts. */
const apiKeyCase: FilterBenchCase = {
  name: "auth",
  description: "API key in x-api-key, SHA-256 compared in constant time with 2 configured digests (route default/api gets the defaults)",
  wasm: RELEASE_WASM,
  configuration: fixture.config,
  properties: { "xds.route_name": "default/api" },
  request: () => [[":method", "GET"], [":path", "/orders"], [":authority", "shop.example"], ["x-api-key", API_KEY]],
  baseline() {
    const config = JSON.parse(JSON.stringify(fixture.config)) as typeof fixture.config;
    const digests = config.apiKeys.keys.map((k) => Buffer.from(k.sha256, "hex"));
    return (request: HeaderPairs) => {
      const key = header(request, config.apiKeys.header);
      if (key === undefined || !baselineApiKey(digests, key)) throw new Error("bench: baseline refused the key");
    };
  },
};
export default apiKeyCase;

// One token for every request (signing is not what is measured); the real clock, as the index runs.
let rs256Token = "";
const liveRs256Token = () =>
  (rs256Token ||= makeJwt(fixture.rs, { ...fixture.goodClaims, exp: Math.floor(Date.now() / 1000) + 3600, nbf: undefined }));

/** An RS256 JWT request in the same shape (run it with fewer requests than the index's 100k). */
export const jwtRs256Case: FilterBenchCase = {
  name: "auth (RS256 JWT)",
  description: "Bearer RS256 JWT (2048-bit key): signature, exp/nbf/iss/aud, required claim, 2 claim headers",
  wasm: RELEASE_WASM,
  configuration: fixture.config,
  properties: { "xds.route_name": "default/jwt" },
  request: () => [[":method", "GET"], [":path", "/orders"], [":authority", "shop.example"], ["authorization", `Bearer ${liveRs256Token()}`]],
  baseline() {
    const keys: BaselineKey[] = [{ alg: "RS256", kid: "rs-1", key: createPublicKey({ key: fixture.rs.jwk, format: "jwk" }) }];
    return (request: HeaderPairs) => {
      const token = header(request, "authorization")!.slice("Bearer ".length);
      if (!baselineJwt(keys, token, Math.floor(Date.now() / 1000))) throw new Error("bench: baseline refused the token");
    };
  },
};

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runAuthBench());
