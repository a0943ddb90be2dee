// The HTTP filter chain, Envoy Gateway style (internal/xds/translator/httpfilters.go): every
// HTTP filter feature implements one small interface and sits in ONE ordered table below.
import type { GatewayIR, RouteIR } from "../ir/types.ts";
import { corsFeature } from "./cors.ts";
import { errorResponsesFeature } from "./errorresponses.ts";
import { extAuthzFeature } from "./extauthz.ts";
import type { XdsResources } from "./resources.ts";
import { routerFeature } from "./router.ts";
import { wasmFeature } from "./wasm.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

export interface HttpFilterFeature {
  /** Appends this feature's HttpFilter entries to the HCM's http_filters (none when unused). */
  patchHCM(ir: GatewayIR, httpFilters: HttpFilterJson[]): void;
  /** Adds this feature's per-route settings to the route's typed_per_filter_config, or to its
   *  metadata's filter_metadata for filters Envoy gives no per-route config (Wasm). Depends on
   *  the route alone, so translated routes can be cached per RouteIR. */
  patchRoute(route: RouteIR, typedPerFilterConfig: { [filter: string]: AnyJson }, filterMetadata: { [namespace: string]: JsonObject }): void;
  /** Adds the resources this feature needs besides the HCM entry (ECDS configs, clusters). */
  patchResources(ir: GatewayIR, out: XdsResources): void;
}

/** Chain order. Envoy runs decoder filters top to bottom and stops at a local reply. */
export const HTTP_FILTER_TABLE: readonly HttpFilterFeature[] = [
  // 0. Error response overrides (custom_response): first, so on the way back (encoders run
  //    bottom to top) it sees every response, upstream or local, of the filters below.
  errorResponsesFeature,
  // 1. CORS: answers preflight OPTIONS requests itself, before auth could reject them
  //    (browsers send preflights without credentials — Fetch standard, CORS protocol).
  corsFeature,
  // 2. gRPC AuthServices (ext_authz): auth decides before any Wasm filter, as the built-in
  //    auth filter does for http AuthServices (it has the lowest Wasm slot).
  extAuthzFeature,
  // 3. Wasm filters, sorted by WasmFilterIR.order (then name). The model assigns `order`
  //    from its slot table (model/resolve/filters.ts FILTER_SLOTS): auth decides first, so rejected
  //    requests cost no rate-limit tokens; ratelimit may key on identity headers auth set;
  //    canary writes the sticky header just before routing; team filters follow.
  wasmFeature,
  // 4. Router: the terminal filter, required last by Envoy.
  routerFeature,
];
