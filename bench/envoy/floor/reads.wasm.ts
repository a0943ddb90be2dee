// The floor plus the property reads every one of our filters could make first on each
// request: the route's name (`xds.route_name`) and the route's settings
// (`xds.route_metadata.filter_metadata.attache.wasm.<plugin>`, filters/sdk/route_map.ts),
// through proxy_get_property. Which of the two it reads is its plugin configuration's first
// byte: "n" the name only, "s" the settings only, "b" both (name first); digits after it
// repeat the reads that many times per request, so one read's price stands out of the
// machine's noise. Nothing else: the values land in one scratch buffer and are not looked at.
// Compared with noop.wasm.ts it prices each host call inside Envoy. A read that finds nothing
// answers 500, so the bench's check that every case answers 200 proves the reads hit.
@external("env", "proxy_get_property")
declare function proxy_get_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_send_local_response")
declare function proxy_send_local_response(status: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize, headersPtr: usize, headersSize: usize, grpcStatus: i32): u32;
@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(bufferType: u32, start: u32, length: u32, valuePtr: usize, valueSize: usize): u32;

/** Envoy copies each value into memory the module allocates; one scratch area serves all. */
const SCRATCH_SIZE: usize = 65536;
const scratch = memory.data(<i32>SCRATCH_SIZE);
const slots = memory.data(8);
/** proxy-wasm BufferType.PluginConfiguration. */
const PLUGIN_CONFIGURATION: u32 = 7;

const routeName = String.UTF8.encode("xds\0route_name");
const settings = String.UTF8.encode("xds\0route_metadata\0filter_metadata\0attache.wasm\0floor.reads");
let readName = true;
let readSettings = true;
let repeat = 1;

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return size <= SCRATCH_SIZE ? scratch : 0;
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool {
  return true;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  if (pluginConfigurationSize == 0) return true;
  if (proxy_get_buffer_bytes(PLUGIN_CONFIGURATION, 0, pluginConfigurationSize, slots, slots + 4) != 0) return false;
  const text = <usize>load<u32>(slots);
  const mode = load<u8>(text);
  readName = mode != 0x73; // "s"
  readSettings = mode != 0x6e; // "n"
  let count = 0;
  for (let i: u32 = 1; i < pluginConfigurationSize; i++) count = count * 10 + (<i32>load<u8>(text + i) - 0x30);
  repeat = max(count, 1);
  return true;
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {}

/** True when the host found the property. */
function read(path: ArrayBuffer): bool {
  return proxy_get_property(changetype<usize>(path), <usize>path.byteLength, slots, slots + 4) == 0;
}

/** 0: Continue (proxy-wasm FilterHeadersStatus). */
export function proxy_on_request_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  let found = true;
  for (let i = 0; i < repeat; i++) {
    if (readName) found = read(routeName) && found;
    if (readSettings) found = read(settings) && found;
  }
  if (found) return 0;
  proxy_send_local_response(500, 0, 0, 0, 0, 0, 0, -1);
  return 1; // StopIteration
}

export function proxy_on_delete(contextId: u32): void {}
