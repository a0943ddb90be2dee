// A route's metadata (config/route/v3 Route.metadata, base.proto Metadata) as the Wasm
// properties Envoy answers for it: `xds.route_metadata.filter_metadata.<namespace>.<field>`
// is the field's value, and a string field's value is its bytes. Attaché routes carry each Wasm
// filter's settings there as JSON text (controlplane/translate/wasm.ts), so these are encoded
// once per route when the route table is compiled, not per request.
import { encodeUtf8 } from "../../host/runtime/abi/utf8.ts";
import { propertyKey } from "../../host/index.ts";
import type { MetadataJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";

export function routeMetadataProperties(metadata: MetadataJson | undefined): ReadonlyMap<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [namespace, struct] of Object.entries(metadata?.filter_metadata ?? {})) {
    for (const [field, value] of Object.entries(struct)) {
      if (typeof value === "string") out.set(propertyKey(["xds", "route_metadata", "filter_metadata", namespace, field]), encodeUtf8(value));
    }
  }
  return out;
}
