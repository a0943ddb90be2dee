// `npm run bench -- runaway`: what stopping a runaway module on the calling thread costs per
// request (host/runtime/interrupt.ts): each built-in filter's release build, one whole request
// through ProxyWasmPlugin (context create, request headers, response headers, log/done/delete),
// as compiled normally and as compiled interruptible with a runaway limit set, interleaved in
// the same run, CPU time per request, median of rounds; then whole HTTP requests through the
// local data plane with and without it (dataplane.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileProxyWasm, encodeProperty, LogLevel, ProxyWasmPlugin, propertyKey, type CompiledProxyWasm, type HeaderPairs } from "../../host/index.ts";
import { compileInterruptible } from "../../host/runtime/interrupt.ts";
import auth from "../filters/auth.ts";
import canary from "../filters/canary.ts";
import ratelimit from "../filters/ratelimit.ts";
import template from "../filters/template.ts";
import type { FilterBenchCase } from "../filters/case.ts";
import { wholeRequest } from "./dataplane.ts";

const REQUESTS = 50_000;
const ROUNDS = 7;

function time(count: number, perRequest: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) perRequest(i);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / count;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function loop(c: FilterBenchCase, compiled: CompiledProxyWasm, runawayMs: number | undefined): (i: number) => void {
  const properties = new Map(Object.entries(c.properties ?? {}).map(([k, v]) => [propertyKey(k), encodeProperty(v)]));
  const configuration = new TextEncoder().encode(typeof c.configuration === "string" ? c.configuration : JSON.stringify(c.configuration));
  const plugin = new ProxyWasmPlugin(compiled, { rootId: c.name, configuration, vm: { properties, logLevel: LogLevel.Warn, runawayMs } });
  plugin.start();
  const { dispatcher, root } = plugin.healthy();
  const requests: HeaderPairs[] = Array.from({ length: 1000 }, (_, i) => c.request(i));
  const responses = c.response ? Array.from({ length: 1000 }, (_, i) => c.response!(i)) : undefined;
  return (i) => {
    const stream = dispatcher.createHttpStream(root);
    dispatcher.requestHeaders(stream, requests[i % 1000]!, true);
    if (responses) dispatcher.responseHeaders(stream, responses[i % 1000]!, true);
    dispatcher.completeStream(stream);
    if (plugin.failures.length) throw plugin.failures[0];
  };
}

export default async function run(): Promise<string> {
  const rows: string[] = [];
  for (const c of [template, auth, ratelimit, canary]) {
    const bytes = readFileSync(c.wasm.startsWith("file:") ? fileURLToPath(c.wasm) : c.wasm);
    const plain = loop(c, compileProxyWasm(bytes, c.wasm), undefined);
    const guarded = loop(c, await compileInterruptible(bytes, c.wasm), 1000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the coarse clock's ticker starts
    time(10_000, plain);
    time(10_000, guarded);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(time(REQUESTS, plain));
      b.push(time(REQUESTS, guarded));
    }
    const [na, nb] = [median(a), median(b)];
    rows.push(`| ${c.name} | ${(na / 1000).toFixed(2)} µs | ${(nb / 1000).toFixed(2)} µs | +${((nb - na) / 1000).toFixed(2)} µs (${(nb / na).toFixed(2)}x) |`);
  }
  return [
    "CPU time per whole request through ProxyWasmPlugin (release builds), the module as built against the same",
    "module compiled interruptible with a 1 s runaway limit (host/runtime/interrupt.ts), medians of 7 rounds of 50 000",
    "requests, interleaved.",
    "",
    "| filter | as built | interruptible | cost |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    await wholeRequest(),
  ].join("\n");
}
