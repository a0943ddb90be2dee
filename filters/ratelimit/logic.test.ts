// The ratelimit filter's pure functions, compiled to Wasm (filters/ratelimit/logic.wasm.ts)
// and called through asc's ESM bindings: duration parsing, port stripping, the GCRA bucket,
// the shared-data slot policy (collisions, cardinality bound, CAS retries) and the 429 shape.
import { beforeEach, describe, expect, it } from "vitest";
import * as logic from "../../build/filters/ratelimit/logic.js";

const SECOND = 1_000_000_000n;
const T0 = 1_700_000_000n * SECOND;

describe("parseDurationNanos", () => {
  it.each([
    ["500ms", 500_000_000n],
    ["1s", SECOND],
    ["90s", 90n * SECOND],
    ["1m", 60n * SECOND],
    ["24h", 86_400n * SECOND],
  ])("%s", (text, nanos) => {
    expect(logic.parseDurationNanos(text)).toBe(nanos);
  });

  it.each(["", "s", "1", "1.5s", "1m30s", "-1s", "0s", "25h", "1d", "1S", " 1s", "1000000000000s"])(
    "rejects %j",
    (text) => {
      expect(logic.parseDurationNanos(text)).toBe(0n);
    },
  );
});

describe("stripPort", () => {
  it.each([
    ["10.0.0.7:51234", "10.0.0.7"],
    ["10.0.0.7", "10.0.0.7"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["2001:db8::1", "2001:db8::1"],
    ["envoy://internal_client_address/", "envoy://internal_client_address/"],
  ])("%s -> %s", (address, ip) => {
    expect(logic.stripPort(address)).toBe(ip);
  });
});

describe("token bucket (GCRA)", () => {
  it("allows burst requests at once, then limits with Retry-After until one token refills", () => {
    // 3 per second, burst 3: emission 333333333 ns.
    let tat = 0n;
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const text = logic.takeTokenAt(3, SECOND, 3, tat, T0);
      seen.push(text.replace(/ tat=\d+/, ""));
      if (text.startsWith("allowed")) tat = BigInt(/tat=(\d+)/.exec(text)![1]);
    }
    expect(seen).toEqual([
      "allowed remaining=2 reset=1 retryAfter=0",
      "allowed remaining=1 reset=1 retryAfter=0",
      "allowed remaining=0 reset=1 retryAfter=0",
      "limited remaining=0 reset=1 retryAfter=1",
    ]);
    // One emission interval later exactly one token is back.
    expect(logic.tokensAt(3, SECOND, 3, tat, T0 + 333_333_333n)).toBe(1);
    expect(logic.takeTokenAt(3, SECOND, 3, tat, T0 + 333_333_333n)).toMatch(/^allowed .*remaining=0/);
    // A full interval later the bucket is full again.
    expect(logic.tokensAt(3, SECOND, 3, tat, T0 + SECOND)).toBe(3);
  });

  it("refills at requests/interval and never above burst", () => {
    // 60 per minute, burst 10: one token per second.
    const emptyTat = T0 + 10n * SECOND; // 10 tokens spent at T0
    expect(logic.tokensAt(60, 60n * SECOND, 10, emptyTat, T0)).toBe(0);
    expect(logic.tokensAt(60, 60n * SECOND, 10, emptyTat, T0 + 4n * SECOND)).toBe(4);
    expect(logic.tokensAt(60, 60n * SECOND, 10, emptyTat, T0 + 3600n * SECOND)).toBe(10);
    expect(logic.takeTokenAt(60, 60n * SECOND, 10, emptyTat, T0 + 500_000_000n)).toBe(
      `limited tat=${emptyTat} remaining=0 reset=10 retryAfter=1`,
    );
  });

  it("reports Retry-After in whole seconds rounded up for slow limits", () => {
    // 1 per minute, burst 1: after one request the next is allowed in 60 s.
    const tat = T0 + 60n * SECOND;
    expect(logic.takeTokenAt(1, 60n * SECOND, 1, tat, T0 + SECOND / 2n)).toMatch(/^limited .*reset=60 retryAfter=60$/);
  });
});

describe("429 and RateLimit headers", () => {
  it("answers 429 headers with Retry-After, RateLimit-* and a JSON body", () => {
    const exhausted = T0 + 2n * SECOND;
    expect(logic.headersFor(1, SECOND, 2, exhausted, T0, false)).toBe(
      "retry-after: 1\nratelimit-limit: 2\nratelimit-remaining: 0\nratelimit-reset: 2\ncontent-type: application/json\n" +
        '{"error":"rate_limited","message":"too many requests","retryAfterSeconds":1}',
    );
  });

  it("adds X-RateLimit-* to the 429 when legacy headers are on", () => {
    expect(logic.headersFor(1, SECOND, 1, T0 + SECOND, T0, true)).toBe(
      "retry-after: 1\nratelimit-limit: 1\nratelimit-remaining: 0\nratelimit-reset: 1\n" +
        "x-ratelimit-limit: 1\nx-ratelimit-remaining: 0\nx-ratelimit-reset: 1\ncontent-type: application/json\n" +
        '{"error":"rate_limited","message":"too many requests","retryAfterSeconds":1}',
    );
  });

  it("adds X-RateLimit-* when legacy headers are on", () => {
    expect(logic.headersFor(10, SECOND, 10, 0n, T0, true)).toBe(
      "ratelimit-limit: 10\nratelimit-remaining: 9\nratelimit-reset: 1\n" +
        "x-ratelimit-limit: 10\nx-ratelimit-remaining: 9\nx-ratelimit-reset: 1\n",
    );
  });
});

describe("buckets in shared data", () => {
  beforeEach(() => logic.fakeReset(0));

  it("keeps one bucket per key", () => {
    expect(logic.fakeConsume(1000, "r\nalice", 2, SECOND, 2, T0)).toBe("allowed remaining=1");
    expect(logic.fakeConsume(1000, "r\nbob", 2, SECOND, 2, T0)).toBe("allowed remaining=1");
    expect(logic.fakeConsume(1000, "r\nalice", 2, SECOND, 2, T0)).toBe("allowed remaining=0");
    expect(logic.fakeConsume(1000, "r\nalice", 2, SECOND, 2, T0)).toBe("limited remaining=0");
    expect(logic.fakeConsume(1000, "r\nbob", 2, SECOND, 2, T0)).toBe("allowed remaining=0");
  });

  it("bounds memory: 10,000 distinct keys use at most maxKeys slots", () => {
    for (let i = 0; i < 10_000; i++) logic.fakeConsume(64, `r\nclient-${i}`, 100, SECOND, 100, T0);
    expect(logic.fakeSlotsUsed()).toBe(64);
  });

  it("shares an active colliding bucket instead of resetting it", () => {
    // One slot: every key collides.
    expect(logic.fakeConsume(1, "r\nalice", 1, 60n * SECOND, 2, T0)).toBe("allowed remaining=1");
    expect(logic.fakeConsume(1, "r\nmallory", 1, 60n * SECOND, 2, T0)).toBe("allowed remaining=0 shared");
    expect(logic.fakeConsume(1, "r\nmallory-2", 1, 60n * SECOND, 2, T0)).toBe("limited remaining=0 shared");
    expect(logic.fakeConsume(1, "r\nalice", 1, 60n * SECOND, 2, T0)).toBe("limited remaining=0");
  });

  it("lets a new key take over a slot whose bucket has refilled", () => {
    expect(logic.fakeConsume(1, "r\nalice", 1, SECOND, 1, T0)).toBe("allowed remaining=0");
    expect(logic.fakeConsume(1, "r\nbob", 1, SECOND, 1, T0 + SECOND)).toBe("allowed remaining=0");
    // bob owns the slot now: alice shares bob's active bucket.
    expect(logic.fakeConsume(1, "r\nalice", 1, SECOND, 1, T0 + SECOND)).toBe("limited remaining=0 shared");
  });

  it("retries after CAS conflicts and spends exactly one token", () => {
    logic.fakeConsume(10, "r\nalice", 5, SECOND, 5, T0);
    logic.fakeReset(0);
    logic.fakeConsume(10, "r\nalice", 5, SECOND, 5, T0);
    // Three conflicting writes by other workers, then ours lands.
    logic.fakeReset(3);
    expect(logic.fakeConsume(10, "r\nalice", 5, SECOND, 5, T0)).toBe("allowed remaining=4");
    expect(logic.fakeWrites()).toBe(4);
    expect(logic.fakeConsume(10, "r\nalice", 5, SECOND, 5, T0)).toBe("allowed remaining=3");
  });

  it("fails open after 8 consecutive conflicts", () => {
    logic.fakeReset(1_000);
    expect(logic.fakeConsume(10, "r\nalice", 1, SECOND, 1, T0)).toBe("failed-open");
    expect(logic.fakeWrites()).toBe(8);
  });
});
