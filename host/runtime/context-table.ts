// Context ids to context states for one VM. Every request creates, looks up and deletes one
// HTTP stream context, so this sits on the per-request path: a JS Map under that churn (one
// live entry, an insert and a delete per request) rehashes constantly. Ids come from one counter and streams are short-lived, so a
// stream lives in the slot `id & mask` of a fixed array; the rare stream still alive when a
// later id wants its slot (a WebSocket, a stream waiting on a callout) moves to an overflow
// Map. Root contexts are few and long-lived: a Map.
import type { ContextState, HttpStreamState, RootContextState } from "./contexts.ts";

const SLOTS = 1024;

export class ContextTable {
  private readonly roots = new Map<number, RootContextState>();
  private readonly slots: Array<HttpStreamState | null> = new Array(SLOTS).fill(null);
  private readonly overflow = new Map<number, HttpStreamState>();
  private streams = 0;

  get size(): number {
    return this.roots.size + this.streams;
  }

  get(id: number): ContextState | undefined {
    const slotted = this.slots[id & (SLOTS - 1)]!;
    if (slotted !== null && slotted.id === id) return slotted;
    if (this.overflow.size !== 0) {
      const moved = this.overflow.get(id);
      if (moved) return moved;
    }
    return this.roots.get(id);
  }

  set(context: ContextState): void {
    if (context.kind === "root") {
      this.roots.set(context.id, context);
      return;
    }
    const index = context.id & (SLOTS - 1);
    const occupant = this.slots[index]!;
    if (occupant === context) return;
    if (occupant !== null) this.overflow.set(occupant.id, occupant);
    this.slots[index] = context;
    this.streams++;
  }

  delete(id: number): boolean {
    const index = id & (SLOTS - 1);
    const slotted = this.slots[index]!;
    if (slotted !== null && slotted.id === id) {
      this.slots[index] = null;
      this.streams--;
      return true;
    }
    if (this.overflow.delete(id)) {
      this.streams--;
      return true;
    }
    return this.roots.delete(id);
  }

  /** Root contexts (ticks and queue deliveries go to roots only). */
  rootContexts(): IterableIterator<RootContextState> {
    return this.roots.values();
  }
}
