// An idle client connection costs the local data plane one file descriptor: each worker
// accepts its own connections (SO_REUSEPORT), nothing relays them between threads. The
// clients live in another process, so this process's descriptors are the data plane's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { eventually, mapping, startE2E, type E2E } from "../e2e/harness.ts";

const CONNECTIONS = 400;
const openDescriptors = () => readdirSync("/proc/self/fd").length;

describe.runIf(process.platform === "linux")("descriptors per client connection (local data plane)", () => {
  let e2e: E2E;
  let upstream: http.Server;
  let clients: ChildProcess | undefined;
  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    e2e = await startE2E({ "good.yaml": mapping("good", { prefix: "/good/", service: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }) });
  });
  afterAll(async () => {
    clients?.kill("SIGKILL");
    await e2e?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it(`${CONNECTIONS} idle connections cost about ${CONNECTIONS} descriptors, and the good route still serves`, async () => {
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
    const before = openDescriptors();
    const port = new URL(e2e.http).port;
    const script = `const net = require("node:net"); let n = 0; const held = [];
      for (let i = 0; i < ${CONNECTIONS}; i++) { const s = net.connect(${port}, "127.0.0.1", () => { if (++n === ${CONNECTIONS}) process.stdout.write("open\\n"); }); held.push(s); }`;
    clients = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => clients!.stdout!.on("data", () => resolve()));
    // Accepted by the workers once the count stops growing.
    let last = -1;
    await eventually(async () => { const now = openDescriptors(); const stable = now === last && now - before >= CONNECTIONS; last = now; return stable; }, 10_000, 100);
    const perConnection = (openDescriptors() - before) / CONNECTIONS;
    expect(perConnection).toBeGreaterThanOrEqual(1);
    expect(perConnection).toBeLessThan(1.1);
    expect((await fetch(`${e2e.http}/good/`)).status).toBe(200);
  });
});
