// A route's metadata (config/route/v3 Route.metadata, base.proto Metadata) as the Wasm
// properties Envoy answers for it: `xds.route_metadata.filter_metadata.<namespace>.<field>`
// is the field's value, and a string field's value is its bytes. Attaché routes carry each Wasm
// filter's settings there as JSON text (controlplane/translate/wasm.ts), so these are encoded
// once per route when the route table is compiled, not per request.
import { encodeUtf8 } from "../../host/runtime/abi/utf8.ts";
import { propertyKey } from "../../host/index.ts";

/** A Struct in proto3 JSON: a plain object of JSON values. */
type StructJson = Record<string, unknown>;

export function routeMetadataProperties(metadata: unknown, where: string): ReadonlyMap<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (metadata === undefined || metadata === null) return out;
  const filterMetadata = (metadata as { filter_metadata?: unknown }).filter_metadata;
  if (filterMetadata === undefined) return out;
  if (typeof filterMetadata !== "object" || filterMetadata === null) throw new Error(`${where}.filter_metadata: expected an object`);
  for (const [namespace, struct] of Object.entries(filterMetadata as Record<string, unknown>)) {
    if (typeof struct !== "object" || struct === null) throw new Error(`${where}.filter_metadata.${namespace}: expected an object`);
    for (const [field, value] of Object.entries(struct as StructJson)) {
      if (typeof value === "string") out.set(propertyKey(["xds", "route_metadata", "filter_metadata", namespace, field]), encodeUtf8(value));
    }
  }
  return out;
}
