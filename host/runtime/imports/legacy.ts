// ABI 0.1.0 functions removed in 0.2.0 (docs/proxy-wasm-abi.md "Versions"). cpp-host links them only for
// 0.1.0 modules; a lenient host supplies them to every module so older builds still load.
// Also `emscripten_notify_memory_growth`, which Emscripten-built (C++ SDK) modules import and
// cpp-host answers with a no-op: memory views here refresh on their own (memory.ts), and
// `pthread_equal`, which Envoy links for every module.
import { StreamType, WasmResult } from "../abi/enums.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

export function legacyImports(host: ImportHost, streamImports: { proxy_continue_stream(type: number): number }) {
  return {
    ...legacyProxyImports(host, streamImports),
    emscripten_notify_memory_growth(_memoryIndex: number): void {},
    // Emscripten's pthread stubs compare thread handles; cpp-host registers it for every module.
    pthread_equal(left: number, right: number): number {
      return left === right ? 1 : 0;
    },
  };
}

function legacyProxyImports(host: ImportHost, streamImports: { proxy_continue_stream(type: number): number }) {
  return guarded({
    proxy_get_configuration(retPtrPtr: number, retLenPtr: number): number {
      const configuration = host.callbackData.pluginConfiguration;
      if (!configuration) return WasmResult.NotFound;
      host.memory.returnBytes(configuration, retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },
    proxy_continue_request(): number {
      return streamImports.proxy_continue_stream(StreamType.HttpRequest);
    },
    proxy_continue_response(): number {
      return streamImports.proxy_continue_stream(StreamType.HttpResponse);
    },
    proxy_clear_route_cache(): number {
      return WasmResult.Ok;
    },
  });
}
