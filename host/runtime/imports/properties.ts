// Property host functions (docs/proxy-wasm-abi.md: proxy_get_property / proxy_set_property; path segments
// joined with 0x00, trailing empty segment dropped). Lookup itself lives in properties.ts at the
// host root (the VM's getProperty); a set value is kept on the effective context (Envoy keeps it
// in the stream's filter state) and shadows everything else for that path.
import { WasmResult } from "../abi/enums.ts";
import { propertyPathKey } from "../abi/serialization.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";

export function propertyImports(host: ImportHost) {
  return guarded({
    proxy_get_property(pathPtr: number, pathLen: number, retPtrPtr: number, retLenPtr: number): number {
      // A trailing NUL (C++ SDK form) is dropped; the rest is the NUL-joined key itself.
      const trailing = pathLen > 1 && host.memory.byteAt(pathPtr + pathLen - 1, "property path") === 0 ? 1 : 0;
      const key = host.memory.key(pathPtr, pathLen - trailing, "property path");
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      const value = host.getProperty(key);
      if (value === undefined) return WasmResult.NotFound;
      host.memory.returnBytes(value, retPtrPtr, retLenPtr);
      return WasmResult.Ok;
    },

    proxy_set_property(pathPtr: number, pathLen: number, valuePtr: number, valueLen: number): number {
      const key = propertyPathKey(host.memory.view8(pathPtr, pathLen, "property path"));
      const value = host.memory.copyBytes(valuePtr, valueLen, "property value");
      const context = host.effective();
      if (!context) return WasmResult.NotFound;
      context.properties.set(key, value);
      return WasmResult.Ok;
    },
  });
}
