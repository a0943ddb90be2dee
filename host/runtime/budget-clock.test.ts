// The coarse budget clock must keep counting while the calling thread is stuck in a callback
// (that is the point of a budget), and a VM with a budget it serves must fail a callback that
// overruns it.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUDGET_MIN_MS, coarseNowMs } from "./budget-clock.ts";
import { loadProxyWasmFile } from "./loader.ts";
import { ProxyWasmVm } from "./vm.ts";

const TEMPLATE = fileURLToPath(new URL("../../build/filters/template.release.wasm", import.meta.url));

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function tickerRunning(): Promise<void> {
  const first = coarseNowMs();
  while (coarseNowMs() === first) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("budget clock", () => {
  it("advances while this thread is blocked", async () => {
    await tickerRunning();
    const start = coarseNowMs();
    busyWait(150);
    // The ticker thread may lag on a loaded machine, never run ahead.
    expect(coarseNowMs() - start).toBeGreaterThanOrEqual(100);
    expect(coarseNowMs() - start).toBeLessThan(1000);
  });

  it("fails a callback that overruns a budget it measures, and passes one within it", async () => {
    await tickerRunning();
    const vm = ProxyWasmVm.create(loadProxyWasmFile(TEMPLATE), { timeBudgetMs: BUDGET_MIN_MS });
    expect(vm.invoke("quick", null, () => 7)).toBe(7);
    expect(() => vm.invoke("proxy_on_request_headers", null, () => busyWait(BUDGET_MIN_MS * 4))).toThrow(/over the budget of 50 ms/);
    expect(vm.failure).toMatchObject({ kind: "timeout", callback: "proxy_on_request_headers" });
  });
});
