// The floor plus what every one of our filters does first on each request: read the route's
// name (`xds.route_name`) and the route's settings (`xds.route_metadata.filter_metadata.
// attache.wasm.<plugin>`, filters/sdk/route_map.ts) through proxy_get_property. Nothing else:
// the values land in one scratch buffer and are not looked at. Compared with noop.wasm.ts it
// prices these two host calls inside Envoy.
@external("env", "proxy_get_property")
declare function proxy_get_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;

/** Envoy copies each value into memory the module allocates; one scratch area serves all. */
const SCRATCH_SIZE: usize = 65536;
const scratch = memory.data(<i32>SCRATCH_SIZE);
const slots = memory.data(8);

const ROUTE_NAME = "xds\0route_name";
const SETTINGS = "xds\0route_metadata\0filter_metadata\0attache.wasm\0floor.reads";
const routeName = String.UTF8.encode(ROUTE_NAME);
const settings = String.UTF8.encode(SETTINGS);

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return size <= SCRATCH_SIZE ? scratch : 0;
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool {
  return true;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  return true;
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {}

function read(path: ArrayBuffer): void {
  proxy_get_property(changetype<usize>(path), <usize>path.byteLength, slots, slots + 4);
}

/** 0: Continue (proxy-wasm FilterHeadersStatus). */
export function proxy_on_request_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  read(routeName);
  read(settings);
  return 0;
}

export function proxy_on_delete(contextId: u32): void {}
