// The context table must behave like a Map from id to context for every pattern a VM sees:
// short-lived streams, a long-lived stream overtaken by later ids (it moves to the overflow),
// roots, and deletes of ids that are already gone.
import { describe, expect, it } from "vitest";
import { ContextTable } from "./context-table.ts";
import { HttpStreamState, RootContextState } from "./contexts.ts";

const root = new RootContextState(1, "root", "plugin", new Uint8Array(0), new Uint8Array(0));

describe("ContextTable", () => {
  it("finds roots and streams by id and forgets them on delete", () => {
    const table = new ContextTable();
    table.set(root);
    const stream = new HttpStreamState(2, root);
    table.set(stream);
    expect(table.get(1)).toBe(root);
    expect(table.get(2)).toBe(stream);
    expect(table.size).toBe(2);
    expect(table.delete(2)).toBe(true);
    expect(table.get(2)).toBeUndefined();
    expect(table.delete(2)).toBe(false);
    expect([...table.rootContexts()]).toEqual([root]);
  });

  it("keeps a long-lived stream reachable while thousands of later streams come and go", () => {
    const table = new ContextTable();
    table.set(root);
    const longLived = new HttpStreamState(2, root);
    table.set(longLived);
    for (let id = 3; id < 5000; id++) {
      const stream = new HttpStreamState(id, root);
      table.set(stream);
      expect(table.get(id)).toBe(stream);
      expect(table.get(2)).toBe(longLived);
      table.delete(id);
    }
    expect(table.size).toBe(2);
    expect(table.get(2)).toBe(longLived);
    expect(table.delete(2)).toBe(true);
    expect(table.size).toBe(1);
  });

  it("holds many concurrent streams whose ids share slots", () => {
    const table = new ContextTable();
    const streams = Array.from({ length: 3000 }, (_, i) => new HttpStreamState(10 + i * 7, root));
    for (const s of streams) table.set(s);
    for (const s of streams) expect(table.get(s.id)).toBe(s);
    expect(table.size).toBe(3000);
    for (const s of streams.filter((_, i) => i % 2 === 0)) expect(table.delete(s.id)).toBe(true);
    streams.forEach((s, i) => expect(table.get(s.id)).toBe(i % 2 === 0 ? undefined : s));
    expect(table.size).toBe(1500);
  });
});
