// Context id -> context object, looked up on every callback (5+ per request). The host hands out
// ids from one increasing counter and deletes stream contexts when they finish (Envoy's
// context ids; proxy-wasm ABI 0.2.1 "Contexts"), so the live ids of a VM sit close together: a
// direct-mapped table indexed by the id's low bits finds them with two loads and one compare,
// where a Map hashes the id (twice, with has() then get()). An id whose slot is held by another
// live context (a long-lived stream 256 ids back) goes to a Map, so memory stays bounded by the
// number of live contexts whatever the traffic.
const SLOTS: u32 = 256;

export class ContextTable<T> {
  /** The id each slot holds; 0 = empty (the ABI never gives a context id 0: it means "no parent"). */
  private readonly ids: StaticArray<u32> = new StaticArray<u32>(<i32>SLOTS);
  private readonly contexts: StaticArray<T | null> = new StaticArray<T | null>(<i32>SLOTS);
  private readonly overflow: Map<u32, T> = new Map<u32, T>();

  get(id: u32): T | null {
    const slot = id & (SLOTS - 1);
    if (unchecked(this.ids[slot]) == id && id != 0) return unchecked(this.contexts[slot]);
    if (this.overflow.size == 0 || !this.overflow.has(id)) return null;
    return this.overflow.get(id);
  }

  set(id: u32, context: T): void {
    const slot = id & (SLOTS - 1);
    const resident = unchecked(this.ids[slot]);
    if (id != 0 && (resident == 0 || resident == id)) {
      unchecked(this.ids[slot] = id);
      unchecked(this.contexts[slot] = context);
      if (this.overflow.size != 0) this.overflow.delete(id);
    } else {
      this.overflow.set(id, context);
    }
  }

  /** Forgets `id`; false when it was not here. */
  delete(id: u32): bool {
    const slot = id & (SLOTS - 1);
    if (unchecked(this.ids[slot]) == id && id != 0) {
      unchecked(this.ids[slot] = 0);
      unchecked(this.contexts[slot] = null);
      return true;
    }
    return this.overflow.size != 0 && this.overflow.delete(id);
  }
}
