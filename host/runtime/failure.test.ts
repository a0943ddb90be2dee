import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HeadersAction } from "./abi/enums.ts";
import { FakeClock, systemClock } from "./clock.ts";
import { FAIL_CLOSED_DETAILS, FAIL_CLOSED_STATUS } from "./plugin.ts";
import { Probe, probeOptions } from "../testdata/probe.ts";

/** 1-based line of the probe source containing `text` (so edits to the probe keep tests right). */
function probeLine(text: string): number {
  const lines = readFileSync(new URL("../testdata/abi-probe.wasm.ts", import.meta.url), "utf8").split("\n");
  return lines.findIndex((l) => l.includes(text)) + 1;
}
const TRAP_LINE = probeLine('if (mode == "trap")');
const ABORT_LINE = probeLine('if (mode == "abort")');

describe("a misbehaving module never crashes the host", () => {
  it("a trap is reported with the AssemblyScript source line and fails closed with a 503", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "trap" }, true)).toBe(HeadersAction.StopIteration);
    const [failure] = probe.host.getFailures();
    expect(failure).toMatchObject({ kind: "trap", callback: "proxy_on_request_headers" });
    expect(failure!.location).toMatchObject({ source: "host/testdata/abi-probe.wasm.ts", line: TRAP_LINE });
    expect(failure!.message).toMatch(/proxy_on_request_headers: trap: unreachable.* at host\/testdata\/abi-probe\.wasm\.ts:\d+:/);
    expect(failure!.message).toContain(`abi-probe.wasm.ts:${TRAP_LINE}:`);
    expect(probe.host.getSentLocalResponse(id)).toMatchObject({ statusCode: FAIL_CLOSED_STATUS, details: FAIL_CLOSED_DETAILS });
    expect(probe.host.getLogs("critical").at(-1)).toBe(failure!.message);
  });

  it("an AssemblyScript abort carries its message and the failing line", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, { "x-probe": "abort" }, true);
    const [failure] = probe.host.getFailures();
    expect(failure!.lastModuleError).toMatch(new RegExp(`^wasm abort: probe assertion at host/testdata/abi-probe\\.wasm\\.ts:${ABORT_LINE}:`));
    expect(failure!.location?.line).toBe(ABORT_LINE);
    expect(failure!.message).toContain("module logged: wasm abort: probe assertion");
  });

  it("fail open: the trapping stream still gets Envoy's 503 (Context::failStream); only later ones skip the filter", () => {
    const probe = new Probe(probeOptions().withFailurePolicy("fail-open"));
    const id = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(id, { "x-probe": "trap" }, true);
    expect(probe.host.getSentLocalResponse(id)?.statusCode).toBe(FAIL_CLOSED_STATUS);
    expect(probe.host.getFailures()).toHaveLength(1);
  });

  it("fail closed: the failed VM stays failed and every later request of it gets the 503 (Envoy keeps the VM)", () => {
    const probe = new Probe();
    const broken = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(broken, { "x-probe": "trap" }, true);
    for (let i = 0; i < 3; i++) {
      const later = probe.host.initializeHttpContext();
      expect(probe.host.callOnRequestHeaders(later, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
      expect(probe.host.getSentLocalResponse(later)).toMatchObject({ statusCode: FAIL_CLOSED_STATUS, details: FAIL_CLOSED_DETAILS, body: new Uint8Array(0) });
      expect(probe.host.getCurrentRequestHeaders(later)).not.toContainEqual(["x-probe-seen", "1"]);
    }
    expect(probe.host.plugin.generation).toBe(1);
    expect(probe.host.getFailures()).toHaveLength(1);
  });

  it("fail open: later requests skip the filter; nothing reaches the failed VM", () => {
    const probe = new Probe(probeOptions().withFailurePolicy("fail-open"));
    probe.host.callOnRequestHeaders(probe.host.initializeHttpContext(), { "x-probe": "trap" }, true);
    const later = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(later, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
    expect(probe.host.getCurrentRequestHeaders(later)).not.toContainEqual(["x-probe-seen", "1"]);
    expect(probe.host.getSentLocalResponse(later)).toBeUndefined();
    expect(probe.host.plugin.generation).toBe(1);
  });

  it("fail reload: 503 during the backoff, a fresh VM after it; context ids keep counting", () => {
    const clock = new FakeClock();
    const probe = new Probe(probeOptions().withFailurePolicy("fail-reload").withClock(clock));
    const broken = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(broken, { "x-probe": "trap" }, true);
    clock.advance(500);
    const early = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(early, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
    expect(probe.host.getSentLocalResponse(early)?.statusCode).toBe(FAIL_CLOSED_STATUS);
    expect(probe.host.plugin.reloads).toEqual({ backoff: 1, success: 0, failure: 0 });
    clock.advance(600);
    const next = probe.host.initializeHttpContext();
    expect(probe.host.plugin.generation).toBe(2);
    expect(probe.host.plugin.reloads.success).toBe(1);
    expect(next).toBeGreaterThan(broken + 1); // a new root context took broken + 1
    expect(probe.host.callOnRequestHeaders(next, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
    expect(probe.host.getCurrentRequestHeaders(next)).toContainEqual(["x-probe-seen", "1"]);
    expect(probe.host.callOnResponseHeaders(broken, { ":status": "200" }, true)).toBe(HeadersAction.StopIteration);
  });

  it("another stream in flight on the failed VM also gets the policy answer (503), not the new VM", () => {
    const probe = new Probe();
    const failing = probe.host.initializeHttpContext();
    const inFlight = probe.host.initializeHttpContext();
    probe.host.callOnRequestHeaders(failing, { "x-probe": "trap" }, true);
    expect(probe.host.callOnRequestHeaders(inFlight, { ":path": "/" }, true)).toBe(HeadersAction.StopIteration);
    expect(probe.host.getSentLocalResponse(inFlight)?.statusCode).toBe(FAIL_CLOSED_STATUS);
    expect(probe.host.getCurrentRequestHeaders(inFlight)).not.toContainEqual(["x-probe-seen", "1"]);
    expect(probe.host.getFailures()).toHaveLength(1);
  });

  it("memory.grow past Envoy's 1 GiB cap fails inside the module (-1), as V8's does; the VM keeps serving", () => {
    const probe = new Probe();
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "grow", "x-probe-pages": "20000" }, true)).toBe(HeadersAction.Continue);
    expect(probe.host.getCurrentRequestHeaders(id)).toContainEqual(["x-probe-grew", "-1"]);
    expect(probe.host.getFailures()).toEqual([]);
  });

  it("memory grown past a lower embedder cap fails the VM with kind memory", () => {
    const probe = new Probe(probeOptions().withMaxMemoryBytes(64 * 1024 * 1024));
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "grow", "x-probe-pages": "2000" }, true)).toBe(HeadersAction.StopIteration);
    expect(probe.host.getFailures()[0]).toMatchObject({ kind: "memory", callback: "proxy_on_request_headers" });
    expect(probe.host.getFailures()[0]!.message).toMatch(/over the cap of 67108864/);
  });

  // The callback spins for 300 ms of host clock time (the real one: the harness's default is a
  // fake clock that only moves when told); the budgets leave start-up (the probe's
  // functions compiled by a first, unbudgeted instance) ample room on a loaded machine. 20 ms
  // is measured with performance.now(), 100 ms with the coarse shared clock (budget-clock.ts).
  it.each([20, 100])("a callback that returns after its time budget (%i ms) fails the VM with kind timeout", async (budgetMs) => {
    const warm = new Probe();
    warm.host.callOnRequestHeaders(warm.host.initializeHttpContext(), {}, true);
    const probe = new Probe(probeOptions().withClock(systemClock).withTimeBudgetMs(budgetMs));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the coarse clock's ticker thread starts
    const id = probe.host.initializeHttpContext();
    expect(probe.host.callOnRequestHeaders(id, { "x-probe": "spin" }, true)).toBe(HeadersAction.StopIteration);
    expect(probe.host.getFailures()[0]).toMatchObject({ kind: "timeout", callback: "proxy_on_request_headers" });
    expect(probe.host.getFailures()[0]!.message).toMatch(new RegExp(`over the budget of ${budgetMs} ms`));
  });

  it("a plugin whose proxy_on_configure returns false does not start", () => {
    expect(() => new Probe(probeOptions().withRootId("r").withPluginConfiguration("reject"))).toThrow(
      'plugin root_id "r": proxy_on_configure returned false',
    );
  });
});
