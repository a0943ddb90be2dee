// The floor plus one kind of host call, to price each inside Envoy: the property reads every
// one of our filters could make first on each request, the route's name (`xds.route_name`)
// and the route's settings (`xds.route_metadata.filter_metadata.attache.wasm.<plugin>`,
// filters/sdk/route_map.ts), through proxy_get_property; and, for the filters' other calls, a
// request header read (proxy_get_header_map_value) and a counter increment
// (proxy_increment_metric). Which it makes is its plugin configuration's first byte: "n" the
// name, "s" the settings, "b" both (name first), "h" the header `x-user`, "c" the counter, "i"
// none (the no-op filter again, but in a VM of its own like each reads plugin and our filters);
// digits after it repeat the call that many times per request, so one call's price stands out
// of the machine's noise. Nothing else: values land in one scratch buffer and are not looked
// at. Compared with noop.wasm.ts it prices each host call. A read that finds nothing answers
// 500, so the bench's check that every case answers 200 proves the reads hit.
@external("env", "proxy_get_property")
declare function proxy_get_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_get_header_map_value")
declare function proxy_get_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_define_metric")
declare function proxy_define_metric(metricType: u32, namePtr: usize, nameSize: usize, idPtr: usize): u32;
@external("env", "proxy_increment_metric")
declare function proxy_increment_metric(metricId: u32, offset: i64): u32;
@external("env", "proxy_send_local_response")
declare function proxy_send_local_response(status: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize, headersPtr: usize, headersSize: usize, grpcStatus: i32): u32;
@external("env", "proxy_get_buffer_bytes")
declare function proxy_get_buffer_bytes(bufferType: u32, start: u32, length: u32, valuePtr: usize, valueSize: usize): u32;

/** Envoy copies each value into memory the module allocates; one scratch area serves all. */
const SCRATCH_SIZE: usize = 65536;
const scratch = memory.data(<i32>SCRATCH_SIZE);
const slots = memory.data(8);
/** proxy-wasm BufferType.PluginConfiguration, MapType.HttpRequestHeaders, MetricType.Counter. */
const PLUGIN_CONFIGURATION: u32 = 7;
const REQUEST_HEADERS: u32 = 0;
const COUNTER: u32 = 0;

const routeName = String.UTF8.encode("xds\0route_name");
const settings = String.UTF8.encode("xds\0route_metadata\0filter_metadata\0attache.wasm\0floor.reads");
const header = String.UTF8.encode("x-user");
const counterName = String.UTF8.encode("floor_reads");
let mode: u8 = 0x62; // "b"
let repeat = 1;
let counter: u32 = 0;

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
  mode = load<u8>(text);
  let count = 0;
  for (let i: u32 = 1; i < pluginConfigurationSize; i++) count = count * 10 + (<i32>load<u8>(text + i) - 0x30);
  repeat = max(count, 1);
  if (mode == 0x63) { // "c"
    if (proxy_define_metric(COUNTER, changetype<usize>(counterName), <usize>counterName.byteLength, slots) != 0) return false;
    counter = load<u32>(slots);
  }
  return true;
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {}

/** True when the host found the property. */
function read(path: ArrayBuffer): bool {
  return proxy_get_property(changetype<usize>(path), <usize>path.byteLength, slots, slots + 4) == 0;
}

/** One call of the configured kind; false when a read found nothing. */
function call(): bool {
  if (mode == 0x6e) return read(routeName); // "n"
  if (mode == 0x73) return read(settings); // "s"
  if (mode == 0x68) return proxy_get_header_map_value(REQUEST_HEADERS, changetype<usize>(header), <usize>header.byteLength, slots, slots + 4) == 0; // "h"
  if (mode == 0x63) return proxy_increment_metric(counter, 1) == 0; // "c"
  if (mode == 0x69) return true; // "i"
  const name = read(routeName);
  return read(settings) && name;
}

/** 0: Continue (proxy-wasm FilterHeadersStatus). */
export function proxy_on_request_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  let ok = true;
  for (let i = 0; i < repeat; i++) ok = call() && ok;
  if (ok) return 0;
  proxy_send_local_response(500, 0, 0, 0, 0, 0, 0, -1);
  return 1; // StopIteration
}

export function proxy_on_delete(contextId: u32): void {}
