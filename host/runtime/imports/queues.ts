// Shared queue host functions (docs/proxy-wasm-abi.md: proxy_register/resolve/enqueue/dequeue_shared_queue).
// A queue belongs to the root context that registered it; proxy_on_queue_ready goes there.
import { WasmResult } from "../abi/enums.ts";
import { rootOf } from "../contexts.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

export function queueImports(host: ImportHost) {
  return guarded({
    proxy_register_shared_queue(namePtr: number, nameLen: number, retQid: number): number {
      const name = host.memory.string(namePtr, nameLen, "queue name");
      host.memory.checkSlots(retQid);
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      const id = host.queues.register(host.vmId, name, host.queueOwner, rootOf(context).id);
      host.memory.writeU32(retQid, id);
      return WasmResult.Ok;
    },

    proxy_resolve_shared_queue(vmIdPtr: number, vmIdLen: number, namePtr: number, nameLen: number, retQid: number): number {
      const vmId = host.memory.string(vmIdPtr, vmIdLen, "queue vm_id");
      const name = host.memory.string(namePtr, nameLen, "queue name");
      host.memory.checkSlots(retQid);
      // An empty vm_id means "my own VM" (proxy-wasm-cpp-host resolveQueue).
      const id = host.queues.resolve(vmId === "" ? host.vmId : vmId, name);
      if (id === undefined) return WasmResult.NotFound;
      host.memory.writeU32(retQid, id);
      return WasmResult.Ok;
    },

    proxy_enqueue_shared_queue(queueId: number, valuePtr: number, valueLen: number): number {
      const value = host.memory.view8(valuePtr, valueLen, "queue value");
      return host.queues.enqueue(queueId >>> 0, value) ? WasmResult.Ok : WasmResult.NotFound;
    },

    proxy_dequeue_shared_queue(queueId: number, retPtrPtr: number, retLenPtr: number): number {
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      const item = host.queues.dequeue(queueId >>> 0);
      if (item === undefined) return WasmResult.NotFound;
      if (item === null) return WasmResult.Empty;
      host.memory.returnBytes(item, retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },
  });
}
