import { describe, expect, it } from "vitest";
import { HeadersAction } from "./abi/enums.ts";
import { EmulatorOptions } from "../harness/emulator-options.ts";
import { HostEmulator } from "../harness/emulator.ts";
import { readFileSync } from "node:fs";
import { compileInterruptible } from "./interrupt.ts";
import { FAIL_CLOSED_STATUS } from "./plugin.ts";
import { PROBE_WASM } from "../testdata/probe.ts";

describe("stopping a runaway module on the calling thread (interrupt.ts)", () => {
  it("a callback that never returns fails as a timeout once past its limit, and its request gets the 503", async () => {
    const compiled = await compileInterruptible(readFileSync(PROBE_WASM), PROBE_WASM, undefined, { anyAbiImports: true });
    const host = new HostEmulator(new EmulatorOptions().withWasm(compiled).withFailurePolicy("fail-reload").withRunawayMs(200));
    host.startPlugin();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the coarse clock's ticker thread starts
    const ok = host.initializeHttpContext();
    expect(host.callOnRequestHeaders(ok, { ":path": "/" }, true)).toBe(HeadersAction.Continue);
    const stuck = host.initializeHttpContext();
    const started = performance.now();
    host.callOnRequestHeaders(stuck, { "x-probe": "loop" }, true);
    const took = performance.now() - started;
    expect(host.getFailures()[0]).toMatchObject({ kind: "timeout", callback: "proxy_on_request_headers" });
    expect(host.getSentLocalResponse(stuck)?.statusCode).toBe(FAIL_CLOSED_STATUS);
    expect(took).toBeGreaterThanOrEqual(190);
  });
});
