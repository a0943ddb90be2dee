// A proxy that NACKs with huge messages, over and over: what the server keeps and what the dev
// stack logs stay bounded (messages cut to PEER_TEXT_MAX_CHARS; log lines rate-limited).
import { describe, expect, it } from "vitest";
import { TYPE_URL } from "../../controlplane/xds/types.ts";
import { PEER_TEXT_MAX_CHARS } from "../../controlplane/xds/peer-text.ts";
import { LogRateLimit } from "../../controlplane/runner/log-limit.ts";
import { cluster, baseResources } from "./fixtures.ts";
import { DeltaTestClient } from "./protocol-client.ts";
import { serverPerTest } from "./server-per-test.ts";

const CDS = TYPE_URL.cluster;
const xds = serverPerTest((address) => new DeltaTestClient(address));

describe("NACK storm", () => {
  it("keeps a 1 MB NACK message cut to the limit, in the client view and the NACK history", async () => {
    const c = xds.connect();
    c.request({ type_url: CDS });
    c.ack(await c.next());
    const bad = baseResources();
    bad[CDS].set("a", cluster("a", "7s"));
    xds.server.cache.setResourcesNow(bad);
    const rejected = await c.next();
    c.request({ type_url: CDS, response_nonce: rejected.nonce, error_detail: { code: 3, message: "x".repeat(1 << 20) } });
    await c.drain(200);
    const kept = xds.server.nacks()[0].message;
    expect(kept.length).toBeLessThan(PEER_TEXT_MAX_CHARS + 100);
    expect(kept).toMatch(/^x+… \(1046528 more characters cut\)$/);
    expect(xds.server.clients()[0].lastNack?.message).toBe(kept);
  });
});

describe("LogRateLimit", () => {
  it("logs at most N lines per window and then says how many it left out", () => {
    let now = 0;
    const limit = new LogRateLimit(3, 1000, () => now);
    const taken = Array.from({ length: 10 }, () => limit.take());
    expect(taken.filter((t) => t.log)).toHaveLength(3);
    now = 1000;
    expect(limit.take()).toEqual({ log: true, suppressed: 7 });
    expect(limit.take()).toEqual({ log: true, suppressed: 0 });
  });
});
