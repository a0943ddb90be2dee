// proxy_get_shared_data / proxy_set_shared_data (docs/envoy-wiring.md "Shared data"): keyed by this VM's
// vm_id in a store shared by every VM instance with that vm_id. The key goes to the store as
// the module's bytes (cpp-host's map is keyed by those bytes too), not decoded to a string.
import { WasmResult } from "../abi/enums.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

export function sharedDataImports(host: ImportHost) {
  return guarded({
    proxy_get_shared_data(keyPtr: number, keyLen: number, retValPtrPtr: number, retValLenPtr: number, retCas: number): number {
      const memory = host.memory.checkedBytes(keyPtr, keyLen, "shared data key");
      host.memory.checkSlots(retValPtrPtr, retValLenPtr, retCas);
      const entry = host.sharedData.getByBytes(host.vmId, memory, keyPtr >>> 0, keyLen >>> 0);
      if (!entry) return WasmResult.NotFound;
      host.memory.returnBytes(entry.value, retValPtrPtr, retValLenPtr);
      host.memory.writeU32(retCas, entry.cas);
      return WasmResult.Ok;
    },

    proxy_set_shared_data(keyPtr: number, keyLen: number, valuePtr: number, valueLen: number, cas: number): number {
      const memory = host.memory.checkedBytes(keyPtr, keyLen, "shared data key");
      // After a passing check the memory array is current (growth detaches the old buffer and
      // fails every check on it), so checking the value cannot replace it.
      const value = host.memory.view8(valuePtr, valueLen, "shared data value");
      const result = host.sharedData.setByBytes(host.vmId, memory, keyPtr >>> 0, keyLen >>> 0, value, cas >>> 0);
      return result === "ok" ? WasmResult.Ok : WasmResult.CasMismatch;
    },
  });
}
