import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InProcessSharedData } from "../../host/index.ts";
import { createSharedDataMemory, SharedMemoryStore } from "./store.ts";

type Op =
  | { op: "get"; vm: string; key: string }
  | { op: "set"; vm: string; key: string; value: Uint8Array; cas: "current" | "zero" | "stale" }
  | { op: "attach"; vm: string }
  | { op: "detach"; vm: string };

const vm = fc.constantFrom("", "vm-a", "vm-b", "vm-ü");
// Enough distinct keys (and a small buffer) that the table rehashes and the buffer grows.
const key = fc.oneof(fc.constantFrom("k", "k2", "slot/1", "ключ"), fc.integer({ min: 0, max: 300 }).map((n) => `bucket/${n}`));
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("get" as const), vm, key }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("set" as const), vm, key, value: fc.uint8Array({ maxLength: 300 }), cas: fc.constantFrom("current" as const, "zero" as const, "stale" as const) }), weight: 6 },
  { arbitrary: fc.record({ op: fc.constant("attach" as const), vm }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("detach" as const), vm }), weight: 1 },
);

describe("shared data in shared memory (what worker threads use)", () => {
  it("behaves like host/ InProcessSharedData for any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const model = new InProcessSharedData();
        const store = new SharedMemoryStore(createSharedDataMemory({ initialBytes: 4096 }));
        for (const o of ops) {
          if (o.op === "attach") { model.attach(o.vm); store.attach(o.vm); continue; }
          if (o.op === "detach") { model.detach(o.vm); store.detach(o.vm); continue; }
          const expected = model.get(o.vm, o.key);
          const actual = store.get(o.vm, o.key);
          expect(actual?.value).toEqual(expected?.value);
          expect(actual?.cas).toBe(expected?.cas);
          if (o.op === "set") {
            // Both stores hand out cas numbers from one counter in the same order, so the
            // current cas is the same in both and a stale one mismatches in both.
            const cas = o.cas === "zero" ? 0 : o.cas === "stale" ? (expected?.cas ?? 0) + 1 : expected?.cas ?? 0;
            expect(store.set(o.vm, o.key, o.value, cas)).toBe(model.set(o.vm, o.key, o.value, cas));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("keeps values across many keys and large values, growing its buffer as needed", () => {
    const memory = createSharedDataMemory({ initialBytes: 4096 });
    const store = new SharedMemoryStore(memory);
    store.attach("vm");
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(store.set("vm", "big", big, 0)).toBe("ok");
    for (let i = 0; i < 5000; i++) expect(store.set("vm", `key-${i}`, Uint8Array.of(i & 0xff, i >> 8), 0)).toBe("ok");
    expect(memory.byteLength).toBeGreaterThan(4096);
    expect(store.get("vm", "big")?.value).toEqual(big);
    for (let i = 0; i < 5000; i += 97) expect(store.get("vm", `key-${i}`)?.value).toEqual(Uint8Array.of(i & 0xff, i >> 8));
  });

  it("fails a set that does not fit, leaving no entry behind", () => {
    const store = new SharedMemoryStore(createSharedDataMemory({ initialBytes: 4096, maxBytes: 65536 }));
    expect(() => store.set("vm", "huge", new Uint8Array(100_000), 0)).toThrow(/shared data/);
    expect(store.get("vm", "huge")).toBeUndefined();
    expect(store.set("vm", "small", Uint8Array.of(1), 0)).toBe("ok");
  });

  it.each([
    ["in-process", () => new InProcessSharedData()],
    ["shared memory", () => new SharedMemoryStore(createSharedDataMemory({ initialBytes: 4096 }))],
  ] as const)("%s: the byte-keyed path (what the host uses) is the string path on the key's UTF-8", (_name, make) => {
    const store = make();
    store.attach("vm");
    // A key inside a larger array (the module's memory), at an offset, of any length.
    const memory = new Uint8Array(1024).fill(0x2e);
    const place = (key: Uint8Array, at: number) => (memory.set(key, at), [at, key.length] as const);
    const utf8 = (text: string) => new TextEncoder().encode(text);
    for (const [i, text] of ["", "k", "clé-日本-😀", "z".repeat(65), "w".repeat(500)].entries()) {
      const [at, length] = place(utf8(text), 7 + i);
      expect(store.setByBytes("vm", memory, at, length, Uint8Array.of(i), 0)).toBe("ok");
      expect(store.get("vm", text)?.value).toEqual(Uint8Array.of(i));
      store.set("vm", text, Uint8Array.of(100 + i, 1), 0);
      expect(store.getByBytes("vm", memory, at, length)?.value).toEqual(Uint8Array.of(100 + i, 1));
    }
    // Byte for byte: keys that are not UTF-8 stay distinct (they would decode to the same text).
    const [a1, l1] = place(Uint8Array.of(0x6b, 0xff), 900);
    expect(store.setByBytes("vm", memory, a1, l1, Uint8Array.of(1), 0)).toBe("ok");
    const [a2, l2] = place(Uint8Array.of(0x6b, 0xfe), 950);
    expect(store.getByBytes("vm", memory, a2, l2)).toBeUndefined();
    const cas = store.getByBytes("vm", memory, a1, l1)!.cas;
    expect(store.setByBytes("vm", memory, a1, l1, Uint8Array.of(2), cas + 1)).toBe("cas-mismatch");
    expect(store.setByBytes("vm", memory, a1, l1, Uint8Array.of(2), cas)).toBe("ok");
    expect(store.getByBytes("vm", memory, a1, l1)?.value).toEqual(Uint8Array.of(2));
    // get() hands out a snapshot: a later set of the same size does not change it.
    const before = store.get("vm", "k")!;
    store.set("vm", "k", Uint8Array.of(7, 7), 0);
    expect(before.value).toEqual(Uint8Array.of(101, 1));
    expect(store.get("vm", "k")?.value).toEqual(Uint8Array.of(7, 7));
  });

  it("sees one store from two views of the same memory, as two workers do", () => {
    const memory = createSharedDataMemory();
    const one = new SharedMemoryStore(memory);
    const two = new SharedMemoryStore(memory);
    one.attach("vm");
    two.attach("vm");
    expect(one.set("vm", "k", Uint8Array.of(7), 0)).toBe("ok");
    const seen = two.get("vm", "k")!;
    expect(seen.value).toEqual(Uint8Array.of(7));
    expect(two.set("vm", "k", Uint8Array.of(8), seen.cas)).toBe("ok");
    expect(one.set("vm", "k", Uint8Array.of(9), seen.cas)).toBe("cas-mismatch");
    // A missing key is created whatever the cas, as cpp-host's SharedData::set does.
    expect(one.set("vm", "fresh", Uint8Array.of(1), 424242)).toBe("ok");
    expect(two.get("vm", "fresh")?.value).toEqual(Uint8Array.of(1));
    one.detach("vm"); // the other worker's VM still holds the vm_id: data stays
    expect(two.get("vm", "k")?.value).toEqual(Uint8Array.of(8));
    two.detach("vm");
    expect(one.get("vm", "k")).toBeUndefined();
  });
});
