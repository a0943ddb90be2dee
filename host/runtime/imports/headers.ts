// Header-map host functions (docs/proxy-wasm-abi.md table: proxy_get_header_map_size/_pairs/_value,
// proxy_set_header_map_pairs, proxy_add/replace/remove_header_map_value). Statuses follow
// Envoy's context.cc: a map the current context does not have is BadArgument, except that
// get_header_map_pairs answers Ok with an empty map (the Rust SDK panics otherwise); a missing
// key is NotFound (ABI >= 0.2.0). Keys are matched and stored lower-case, like Envoy's maps.
// A stream's maps exist for the module only while it holds that phase (contexts.ts
// `*Open`); in proxy_on_log the final headers are readable and nothing is writable
// (getConstMap vs getMap). A map that does not decode is taken as empty, as cpp-host's
// PairsUtil::toPairs does, so proxy_set_header_map_pairs with it clears the map.
import { MapType, WasmResult } from "../abi/enums.ts";
import { decodeHeaderMapOrEmpty, serializedHeaderMapSize, writeHeaderMap, type HeaderPairs } from "../abi/serialization.ts";
import { utf8Length } from "../abi/utf8.ts";
import { guarded } from "./guard.ts";
import type { ImportHost } from "./host-api.ts";
import type { HttpStreamState } from "../contexts.ts";

/** A stream map as Envoy's getConstMap (read) or getMap (write) sees it now. */
function streamMap(context: HttpStreamState, mapType: number, write: boolean): HeaderPairs | undefined {
  // In proxy_on_log a write still reaches a map the filter never let go of (Envoy's getMap
  // keeps request_headers_ of a stream that stopped), reads see the final maps.
  const log = context.accessLogPhase && !write;
  switch (mapType) {
    case MapType.HttpRequestHeaders: return (log || context.requestHeadersOpen) ? context.requestHeaders ?? undefined : undefined;
    case MapType.HttpRequestTrailers: return !log && context.requestTrailersOpen ? context.requestTrailers ?? undefined : undefined;
    case MapType.HttpResponseHeaders: return (log || context.responseHeadersOpen) ? context.responseHeaders ?? undefined : undefined;
    default: return (log || context.responseTrailersOpen) ? context.responseTrailers ?? undefined : undefined;
  }
}

/** The map `mapType` refers to in the effective context; undefined = unavailable there. */
function mapOf(host: ImportHost, mapType: number, write = false): HeaderPairs | undefined {
  const context = host.effective();
  const data = host.callbackData;
  if (mapType >= MapType.HttpRequestHeaders && mapType <= MapType.HttpResponseTrailers) {
    return context?.kind === "http" ? streamMap(context, mapType, write) : undefined;
  }
  if (write) return undefined;
  switch (mapType) {
    case MapType.GrpcReceiveInitialMetadata: return data.grpcInitialMetadata;
    case MapType.GrpcReceiveTrailingMetadata: return data.grpcTrailingMetadata;
    case MapType.HttpCallResponseHeaders: return data.httpCallResponse?.headers;
    case MapType.HttpCallResponseTrailers: return data.httpCallResponse?.trailers;
    default: return undefined;
  }
}

/** Replaces a whole map (proxy_set_header_map_pairs); only HTTP stream maps are writable. */
function replaceMap(host: ImportHost, mapType: number, pairs: HeaderPairs): boolean {
  const context = host.effective();
  if (context?.kind !== "http" || !streamMap(context, mapType, true)) return false;
  switch (mapType) {
    case MapType.HttpRequestHeaders: if (!context.requestHeaders) return false; context.requestHeaders = pairs; return true;
    case MapType.HttpRequestTrailers: if (!context.requestTrailers) return false; context.requestTrailers = pairs; return true;
    case MapType.HttpResponseHeaders: if (!context.responseHeaders) return false; context.responseHeaders = pairs; return true;
    case MapType.HttpResponseTrailers: if (!context.responseTrailers) return false; context.responseTrailers = pairs; return true;
    default: return false;
  }
}

export function headerImports(host: ImportHost) {
  return guarded({
    proxy_get_header_map_size(mapType: number, retSize: number): number {
      // Envoy answers from getMap, the writable view: only the stream's own maps have a size.
      const map = mapOf(host, mapType, true);
      if (!map) return WasmResult.BadArgument;
      host.memory.writeU32(retSize, serializedHeaderMapSize(map));
      return WasmResult.Ok;
    },

    proxy_get_header_map_pairs(mapType: number, retPtrPtr: number, retLenPtr: number): number {
      const map = mapOf(host, mapType) ?? [];
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      if (map.length === 0) {
        host.memory.returnBytes(new Uint8Array(0), retPtrPtr, retLenPtr);
        return WasmResult.Ok;
      }
      const size = serializedHeaderMapSize(map);
      const block = host.memory.allocateView(size);
      writeHeaderMap(map, block.bytes, 0);
      host.memory.writeU32(retPtrPtr, block.ptr);
      host.memory.writeU32(retLenPtr, size);
      return WasmResult.Ok;
    },

    proxy_set_header_map_pairs(mapType: number, ptr: number, len: number): number {
      const pairs = decodeHeaderMapOrEmpty(host.memory.view8(ptr, len, "header map"));
      const lowered: HeaderPairs = pairs.map(([k, v]) => [k.toLowerCase(), v]);
      return replaceMap(host, mapType, lowered) ? WasmResult.Ok : WasmResult.BadArgument;
    },

    proxy_get_header_map_value(mapType: number, keyPtr: number, keyLen: number, retPtrPtr: number, retLenPtr: number): number {
      const key = host.memory.lowerKey(keyPtr, keyLen, "header key");
      host.memory.checkSlots(retPtrPtr, retLenPtr);
      const map = mapOf(host, mapType);
      if (!map) return WasmResult.BadArgument;
      for (let i = 0; i < map.length; i++) {
        const pair = map[i]!;
        if (pair[0] === key) {
          host.memory.returnString(pair[1], utf8Length(pair[1]), retPtrPtr, retLenPtr);
          return WasmResult.Ok;
        }
      }
      return WasmResult.NotFound;
    },

    proxy_add_header_map_value(mapType: number, keyPtr: number, keyLen: number, valuePtr: number, valueLen: number): number {
      const key = host.memory.lowerKey(keyPtr, keyLen, "header key");
      const value = host.memory.string(valuePtr, valueLen, "header value");
      const map = mapOf(host, mapType, true);
      if (!map) return WasmResult.BadArgument;
      map.push([key, value]);
      return WasmResult.Ok;
    },

    proxy_replace_header_map_value(mapType: number, keyPtr: number, keyLen: number, valuePtr: number, valueLen: number): number {
      const key = host.memory.lowerKey(keyPtr, keyLen, "header key");
      const value = host.memory.string(valuePtr, valueLen, "header value");
      const map = mapOf(host, mapType, true);
      if (!map) return WasmResult.BadArgument;
      // Envoy's HeaderMap::setCopy drops every value of the key and appends the new one, so a
      // replaced header moves to the end of the map (seen by the upstream in that order).
      for (let i = map.length - 1; i >= 0; i--) if (map[i]![0] === key) map.splice(i, 1);
      map.push([key, value]);
      return WasmResult.Ok;
    },

    proxy_remove_header_map_value(mapType: number, keyPtr: number, keyLen: number): number {
      const key = host.memory.lowerKey(keyPtr, keyLen, "header key");
      const map = mapOf(host, mapType, true);
      if (!map) return WasmResult.BadArgument;
      for (let i = map.length - 1; i >= 0; i--) if (map[i]![0] === key) map.splice(i, 1);
      return WasmResult.Ok;
    },
  });
}
