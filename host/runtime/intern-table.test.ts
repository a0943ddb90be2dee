// The intern table must answer like decoding every time: the same bytes (wherever they sit in
// memory) give the same string object, different bytes never do, and a string that takes
// over a slot evicts the previous one instead of growing the table.
import { describe, expect, it } from "vitest";
import { INTERN_MAX_LENGTH, InternTable } from "./intern-table.ts";
import { GuestMemory } from "./memory.ts";

const encoder = new TextEncoder();

function intern(table: InternTable, text: string, source = encoder.encode(text), start = 0): string {
  const found = table.find(source, start, source.length - start);
  if (found >= 0) return table.text(found);
  table.store(~found, source, start, source.length - start, text);
  return text;
}

describe("InternTable", () => {
  it("finds what it stored, by content and wherever the bytes sit", () => {
    const table = new InternTable();
    const name = encoder.encode("X-Request-Id");
    expect(table.find(name, 0, name.length)).toBeLessThan(0);
    const first = intern(table, "X-Request-Id");
    const elsewhere = new Uint8Array(40);
    elsewhere.set(name, 17);
    const slot = table.find(elsewhere, 17, name.length);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(table.text(slot)).toBe(first);
    expect(table.lower(slot)).toBe("x-request-id");
  });

  it("never answers for different bytes: one byte apart, a prefix, the empty string", () => {
    const table = new InternTable();
    intern(table, "x-api-key");
    for (const other of ["x-api-kez", "x-api-ke", "x-api-key2", ""]) {
      const bytes = encoder.encode(other);
      const found = table.find(bytes, 0, bytes.length);
      if (found >= 0) expect(table.text(found)).toBe(other);
    }
    expect(intern(table, "")).toBe("");
    const empty = table.find(new Uint8Array(0), 0, 0);
    expect(empty).toBeGreaterThanOrEqual(0);
    expect(table.text(empty)).toBe("");
  });

  it("lets a colliding string take the slot, and the evicted one comes back decoded again", () => {
    const table = new InternTable();
    // Two different names that hash to the same slot (find on an empty table names the slot).
    const slotOf = (text: string) => ~table.find(encoder.encode(text), 0, encoder.encode(text).length);
    const bySlot = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `x-header-${i}`;
      const other = bySlot.get(slotOf(name));
      if (other !== undefined) pair = [other, name];
      else bySlot.set(slotOf(name), name);
    }
    const [a, b] = pair;
    intern(table, a);
    intern(table, b);
    const bytesA = encoder.encode(a);
    const bytesB = encoder.encode(b);
    expect(table.text(table.find(bytesB, 0, bytesB.length))).toBe(b);
    expect(table.find(bytesA, 0, bytesA.length)).toBeLessThan(0);
  });
});

describe("GuestMemory keys", () => {
  function memoryWith(text: string, at: number): GuestMemory {
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Uint8Array(memory.buffer).set(encoder.encode(text), at);
    return new GuestMemory(memory, () => 0);
  }

  it("gives the same string object for the same bytes, lower-cased on request", () => {
    const memory = memoryWith("Content-Type....Content-Type", 0);
    const first = memory.key(0, 12);
    expect(first).toBe("Content-Type");
    expect(memory.key(16, 12)).toBe(first);
    expect(memory.lowerKey(16, 12)).toBe("content-type");
  });

  it("decodes keys longer than the table holds, and UTF-8 ones", () => {
    const long = "request\0headers\0" + "x".repeat(INTERN_MAX_LENGTH);
    expect(memoryWith(long, 8).key(8, encoder.encode(long).length)).toBe(long);
    const utf8 = "x-naïve-ключ";
    expect(memoryWith(utf8, 3).key(3, encoder.encode(utf8).length)).toBe(utf8);
  });
});
