// The floor of a Wasm HTTP filter in Envoy: a proxy-wasm module (ABI 0.2.1, the exports
// proxy-wasm-cpp-host looks for) that keeps no state, makes no host call and lets every
// request through. What a request costs on a route with this filter, over the route without
// it, is what Envoy spends per Wasm filter instance whatever the filter does: creating and
// deleting the stream context and entering the VM. Built with asc by bench/envoy/floor.ts.
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return heap.alloc(size);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool {
  return true;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  return true;
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {}

/** 0: Continue (proxy-wasm FilterHeadersStatus). */
export function proxy_on_request_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  return 0;
}

export function proxy_on_delete(contextId: u32): void {}
