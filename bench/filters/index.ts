// `npm run bench -- filters`: per-request cost of each filter through the Node proxy-wasm host
// (release build, in-thread VM, the path the local data plane takes per request) against the
// same logic as plain TypeScript, measured in the same run. Each case is one file here whose
// default export is a FilterBenchCase (case.ts); every `<filter>.ts` in this folder is picked
// up: the template first (it is the < 2 µs target), host-only (the host's share of it), then
// the others by name.
import { existsSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import { LogLevel, ProxyWasmPlugin, encodeProperty, loadProxyWasmFile, propertyKey, type HeaderPairs } from "../../host/index.ts";
import type { FilterBenchCase } from "./case.ts";

const HERE = new URL("./", import.meta.url);

/** The template (the < 2 µs target) first, then host-only (its host share), then the rest. */
function rank(file: string): number {
  return file === "template.ts" ? 0 : file === "host-only.ts" ? 1 : 2;
}

async function discoverCases(): Promise<Array<FilterBenchCase | { file: string; error: string }>> {
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "case.ts" && !f.endsWith(".test.ts"))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const cases: Array<FilterBenchCase | { file: string; error: string }> = [];
  for (const file of files) {
    try {
      const mod = await import(new URL(file, HERE).href);
      const c = mod.default as FilterBenchCase | undefined;
      if (!c || typeof c.request !== "function" || typeof c.baseline !== "function" || !c.wasm) {
        throw new Error("default export is not a FilterBenchCase (case.ts)");
      }
      cases.push(c);
    } catch (error) {
      cases.push({ file, error: (error as Error).message });
    }
  }
  return cases;
}

const REQUESTS = 100_000;
const ROUNDS = 7;
const WARMUP = 20_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs `perRequest` over `count` prepared inputs and returns ns per request of CPU time
 * consumed by the process (user + system). On a shared machine wall time also counts the time
 * this thread waits for a core; CPU time does not (it does count V8's background GC/compiler
 * threads, a small share here).
 */
function time(count: number, perRequest: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) perRequest(i);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

interface CaseResult {
  name: string;
  description: string;
  wasmNs: number;
  callbackNs: number;
  baselineNs: number;
  sizeBytes: number;
}

/** A case made ready: its three measured loops, and what the report needs afterwards. */
interface PreparedCase {
  c: FilterBenchCase;
  fullRequest(i: number): void;
  headersOnly(i: number): void;
  baseline(i: number): void;
  check(): void;
  dispose(): void;
  wasm: number[];
  callback: number[];
  plain: number[];
}

function prepareCase(c: FilterBenchCase): PreparedCase {
  if (!existsSync(c.wasm)) throw new Error(`bench filters: ${c.wasm} is missing (npm run build)`);
  const properties = new Map(Object.entries(c.properties ?? {}).map(([k, v]) => [propertyKey(k), encodeProperty(v)]));
  const configuration = new TextEncoder().encode(typeof c.configuration === "string" ? c.configuration : JSON.stringify(c.configuration));
  const plugin = new ProxyWasmPlugin(loadProxyWasmFile(c.wasm), { rootId: c.name, configuration, vm: { properties, logLevel: LogLevel.Warn } });
  plugin.start();
  const { dispatcher, root, vm } = plugin.healthy();
  if (vm.failure) throw vm.failure;
  const requests: HeaderPairs[] = Array.from({ length: 1000 }, (_, i) => c.request(i));
  const responses: HeaderPairs[] | undefined = c.response ? Array.from({ length: 1000 }, (_, i) => c.response!(i)) : undefined;

  // Whole request: context create, request headers (+ response headers), log/done/delete.
  const fullRequest = (i: number) => {
    const stream = dispatcher.createHttpStream(root);
    dispatcher.requestHeaders(stream, requests[i % 1000]!, true);
    if (responses) dispatcher.responseHeaders(stream, responses[i % 1000]!, true);
    dispatcher.completeStream(stream);
  };
  // The request-headers callback alone, on one long-lived stream.
  const stream = dispatcher.createHttpStream(root);
  const headersOnly = (i: number) => {
    dispatcher.requestHeaders(stream, requests[i % 1000]!, true);
  };
  const logic = c.baseline();
  const baseline = (i: number) => {
    const headers = requests[i % 1000]!.map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
    logic(headers, responses ? responses[i % 1000]!.map(([k, v]) => [k, v] as [string, string]) : undefined);
  };
  time(WARMUP, fullRequest);
  time(WARMUP, headersOnly);
  time(WARMUP, baseline);
  return {
    c, fullRequest, headersOnly, baseline, wasm: [], callback: [], plain: [],
    check: () => { if (vm.failure) throw vm.failure; },
    dispose: () => plugin.dispose(),
  };
}

/**
 * Every case's rounds interleaved (round 1 of each case, then round 2...), so a slow phase of
 * a shared machine — they come and go over seconds here — hits every case alike rather than
 * whichever case happened to be running.
 */
function runCases(cases: FilterBenchCase[]): Array<CaseResult | { name: string; error: string }> {
  const prepared: Array<PreparedCase | { name: string; error: string }> = cases.map((c) => {
    try {
      return prepareCase(c);
    } catch (error) {
      return { name: c.name, error: (error as Error).message };
    }
  });
  const live = prepared.filter((p): p is PreparedCase => !("error" in p));
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of live) {
      p.wasm.push(time(REQUESTS, p.fullRequest));
      p.callback.push(time(REQUESTS, p.headersOnly));
      p.plain.push(time(REQUESTS, p.baseline));
    }
  }
  return prepared.map((p) => {
    if ("error" in p) return p;
    try {
      p.check();
    } catch (error) {
      return { name: p.c.name, error: (error as Error).message };
    } finally {
      p.dispose();
    }
    const { c } = p;
    return { name: c.name, description: c.description, wasmNs: median(p.wasm), callbackNs: median(p.callback), baselineNs: median(p.plain), sizeBytes: statSync(c.wasm).size };
  });
}

export default async function run(): Promise<string> {
  const rows: string[] = [];
  const loadBefore = os.loadavg()[0]!;
  const discovered = await discoverCases();
  const cases = discovered.filter((c): c is FilterBenchCase => !("error" in c));
  for (const c of discovered) if ("error" in c) rows.push(`| ${c.file} | case failed to load: ${c.error} | | | | | | |`);
  for (const r of runCases(cases)) {
    if ("error" in r) {
      rows.push(`| ${r.name} | failed: ${r.error} | | | | | | |`);
      continue;
    }
    rows.push(`| ${r.name} | ${r.description} | ${r.wasmNs.toFixed(0)} | ${r.callbackNs.toFixed(0)} | ${r.baselineNs.toFixed(0)} | ${(r.wasmNs / r.baselineNs).toFixed(1)}x | ${((r.wasmNs - r.baselineNs) / 1000).toFixed(2)} µs | ${(r.sizeBytes / 1024).toFixed(1)} KiB |`);
  }
  return [
    "## Filters through the Node proxy-wasm host",
    "",
    `Median of ${ROUNDS} rounds x ${REQUESTS.toLocaleString("en")} requests (after ${WARMUP.toLocaleString("en")} warm-up; every case's rounds interleaved), release builds, in-thread VM;`,
    "times are process CPU time per request (not wall time, which on a shared machine includes waiting for a core).",
    "\"Whole request\" = proxy_on_context_create + proxy_on_request_headers (+ response headers) + proxy_on_log/done/delete;",
    "\"headers callback\" = proxy_on_request_headers alone on a live stream; \"plain TS\" = the same decision logic",
    "as TypeScript on the same header list (incl. the lower-casing copy the host makes). Overhead = whole request − plain TS",
    "(target: < 2 µs for a filter that reads and adds one header).",
    `Machine load (1-min load average) ${loadBefore.toFixed(1)} before and ${os.loadavg()[0]!.toFixed(1)} after the run on ${os.cpus().length} cores:`,
    "CPU time is far less sensitive to that than wall time, but caches and SMT siblings are still shared.",
    "",
    "| filter | request | whole request (ns) | headers callback (ns) | plain TS (ns) | ratio | host+Wasm overhead | release .wasm |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}
