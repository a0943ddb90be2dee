// Shared key-value data of proxy-wasm (reference "Shared data"; envoy
// source/extensions/common/wasm/context.cc and proxy-wasm-cpp-host src/shared_data.cc):
// one map per vm_id, visible to every VM instance with that vm_id; cas 0 sets unconditionally,
// any other cas must equal the current one (else CasMismatch); every successful set gets a new
// process-wide non-zero cas; a vm_id's data goes when the last VM with that vm_id detaches.
//
// Kept behind this small synchronous interface so an embedder running VMs on several threads
// can supply a cross-thread implementation (e.g. over SharedArrayBuffer + Atomics) later.

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export type SetSharedResult = "ok" | "cas-mismatch";

export interface SharedDataStore {
  get(vmId: string, key: string): SharedValue | undefined;
  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult;
  /** A VM with this vm_id started / went away (data is dropped after the last one). */
  attach(vmId: string): void;
  detach(vmId: string): void;
}

export class InProcessSharedData implements SharedDataStore {
  private readonly maps = new Map<string, Map<string, SharedValue>>();
  private readonly users = new Map<string, number>();
  private nextCas = 1;

  get(vmId: string, key: string): SharedValue | undefined {
    return this.maps.get(vmId)?.get(key);
  }

  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult {
    let map = this.maps.get(vmId);
    if (!map) {
      map = new Map();
      this.maps.set(vmId, map);
    }
    const current = map.get(key);
    if (cas !== 0 && (!current || current.cas !== cas)) return "cas-mismatch";
    map.set(key, { value: value.slice(), cas: this.takeCas() });
    return "ok";
  }

  private takeCas(): number {
    const cas = this.nextCas;
    // Stay within u32 (the ABI writes cas as u32) and never hand out 0 ("unconditional").
    this.nextCas = this.nextCas >= 0xffffffff ? 1 : this.nextCas + 1;
    return cas;
  }

  attach(vmId: string): void {
    this.users.set(vmId, (this.users.get(vmId) ?? 0) + 1);
  }

  detach(vmId: string): void {
    const left = (this.users.get(vmId) ?? 1) - 1;
    if (left > 0) {
      this.users.set(vmId, left);
      return;
    }
    this.users.delete(vmId);
    this.maps.delete(vmId);
  }
}
