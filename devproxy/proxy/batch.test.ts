// The batch must run every phase that became ready in one loop turn back to back, before any
// request continues, keep arrival order, and keep one request's failure its own.
import { describe, expect, it } from "vitest";
import { deferToBatch, inBatch } from "./batch.ts";

describe("per-turn batch", () => {
  it("runs the phases of one turn back to back, in arrival order, before any continuation", async () => {
    const events: string[] = [];
    const requests = ["a", "b", "c"].map(async (name) => {
      const result = await inBatch(() => {
        events.push(`phase ${name}`);
        return name.toUpperCase();
      });
      events.push(`continue ${name}`);
      return result;
    });
    expect(events).toEqual([]); // nothing runs in the turn that queued them
    expect(await Promise.all(requests)).toEqual(["A", "B", "C"]);
    expect(events).toEqual(["phase a", "phase b", "phase c", "continue a", "continue b", "continue c"]);
  });

  it("gives a throwing phase's error to its own request only", async () => {
    const failing = inBatch(() => { throw new Error("filter chain broke"); });
    const fine = inBatch(() => 42);
    await expect(failing).rejects.toThrow("filter chain broke");
    expect(await fine).toBe(42);
  });

  it("follows a phase that answers with a promise (a filter waiting on a callout)", async () => {
    const answer = inBatch(() => new Promise<string>((resolve) => setTimeout(() => resolve("after callout"), 5)));
    expect(await answer).toBe("after callout");
  });

  it("runs deferred completions in the batch, and one that throws does not stop the rest", async () => {
    const done: string[] = [];
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      deferToBatch(() => done.push("first"));
      deferToBatch(() => { throw new Error("host bug"); });
      deferToBatch(() => done.push("third"));
      expect(done).toEqual([]);
      await inBatch(() => undefined); // queued last: the batch ran everything before it
      expect(done).toEqual(["first", "third"]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message)).toContain("host bug");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("starts a new batch for work queued while a batch runs", async () => {
    const order: string[] = [];
    await inBatch(() => {
      order.push("first batch");
      void inBatch(() => order.push("queued during the first"));
    });
    expect(order).toEqual(["first batch"]);
    await inBatch(() => undefined);
    expect(order).toEqual(["first batch", "queued during the first"]);
  });
});
