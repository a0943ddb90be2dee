// Wasm filters (docs/design.md "Filters on routes", docs/envoy-wiring.md):
// - HCM: one HttpFilter per WasmFilter in use, `disabled: true`, its config fetched over ECDS
//   so a module or config change never touches (and drains) the Listener;
// - route: typed_per_filter_config[<filter>] = FilterConfig{config: {}} switches it on
//   (an empty Any means "enabled": envoy source/common/router/per_filter_config.cc), and the
//   route's own settings for it travel as JSON text in its metadata,
//   filter_metadata["attache.wasm"]["<filter>"] (base.proto Metadata): the Wasm filter has no
//   per-route config, and settings inside the plugin configuration made every route edit
//   re-send and re-parse one configuration holding every route's settings, in every HCM that
//   uses the filter (BENCHMARKS.md, envoy-scale). filters/sdk/route_map.ts reads it, one
//   property per request; settings of a filter whose value depends on the route's name
//   (ratelimit) also carry `route`, so the filter need not read `xds.route_name` as well;
// - resources: a TypedExtensionConfig per filter holding the Wasm config (module named by
//   sha256 on the module server; the control plane inlines the bytes before sending,
//   modules/delivery.ts), one vm_id per WasmFilter, explicit failure_policy, plugin
//   configuration as JSON text), and the module server's cluster.
import { isIP } from "node:net";
import type { GatewayIR, WasmFilterIR } from "../ir/types.ts";
import type { HttpFilterFeature } from "./httpfilters.ts";
import { perObjectIn } from "./memo.ts";
import { ADS_SOURCE, packAny, TYPE } from "./resources.ts";
import { StringValueSchema, type AnyJson } from "@bufbuild/protobuf/wkt";
import type { ClusterJson } from "../../protos/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { TypedExtensionConfigJson } from "../../protos/gen/envoy/config/core/v3/extension_pb.ts";
import { FilterConfigSchema } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import { HTTPFaultSchema, type HTTPFaultJson } from "../../protos/gen/envoy/extensions/filters/http/fault/v3/fault_pb.ts";
import { WasmSchema } from "../../protos/gen/envoy/extensions/filters/http/wasm/v3/wasm_pb.ts";
import type { HttpFilterJson } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

const ENABLED_ON_ROUTE = packAny(FilterConfigSchema, { config: {} });
/** How long Envoy waits for a module download before failing the filter config. */
const MODULE_FETCH_TIMEOUT = "10s";

/** Chain order: by `order`, then name, so equal orders stay deterministic. */
export function orderedWasmFilters(ir: GatewayIR): WasmFilterIR[] {
  return [...ir.wasmFilters].sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** How long a new listener waits (warms) for the filter's ECDS config before it serves with
 *  the default below. Never 0s ("wait forever"): a filter config Envoy rejects would then
 *  keep the listener warming, and its port closed, until the config changes. */
const ECDS_INITIAL_FETCH_TIMEOUT = "10s";

/** The filter until its ECDS config arrives (extension.proto ExtensionConfigSource.default_config):
 *  a FAIL_CLOSED filter stays closed (503 on the routes that enable it), a FAIL_OPEN one lets
 *  requests through, as the Wasm filter itself does when its plugin cannot run. */
function defaultConfig(filter: WasmFilterIR): AnyJson {
  const closed: HTTPFaultJson = { abort: { http_status: 503, percentage: { numerator: 100, denominator: "HUNDRED" } } };
  return packAny(HTTPFaultSchema, filter.failurePolicy === "FailClosed" ? closed : {});
}

function hcmEntry(filter: WasmFilterIR): HttpFilterJson {
  return {
    name: filter.name,
    disabled: true,
    config_discovery: {
      config_source: { ...ADS_SOURCE, initial_fetch_timeout: ECDS_INITIAL_FETCH_TIMEOUT },
      default_config: defaultConfig(filter),
      type_urls: [`type.googleapis.com/${WasmSchema.typeName}`, `type.googleapis.com/${HTTPFaultSchema.typeName}`],
    },
  };
}

type ModuleServer = GatewayIR["moduleServer"];

/** The last ECDS resource per filter name with the content it was built from: a model that
 *  rebuilds a WasmFilterIR with equal content (it holds every route's settings, so any
 *  Mapping edit may rebuild it) still gets the same object back, and the xDS server pushes
 *  nothing. */
const lastByName = new Map<string, { content: string; resource: TypedExtensionConfigJson }>();

/** Where routes carry their settings for Wasm filters (filters/sdk/route_map.ts). */
export const ROUTE_SETTINGS_METADATA = "attache.wasm";

/** Settings that also name their route (RouteFilterIR.routeNameInSettings): the filter reads
 *  the name from them instead of asking Envoy for `xds.route_name` on every request. */
function withRouteName(route: string, settings: Record<string, unknown>): Record<string, unknown> {
  const { route: _named, ...own } = settings;
  return { route, ...own };
}

/** The plugin configuration Envoy gets: the filter's defaults; `routes` travel on the routes. */
function sharedConfiguration(filter: WasmFilterIR): Record<string, unknown> {
  const { routes: _onTheRoutes, ...defaults } = filter.configuration;
  return defaults;
}

/** The ECDS resource; cached per WasmFilterIR and module server, then by content. */
export const wasmExtensionConfig = perObjectIn((filter: WasmFilterIR, server: ModuleServer): TypedExtensionConfigJson => {
  const content = JSON.stringify([{ ...filter, configuration: sharedConfiguration(filter) }, server]);
  const last = lastByName.get(filter.name);
  if (last?.content === content) return last.resource;
  const resource = buildExtensionConfig(filter, server);
  lastByName.set(filter.name, { content, resource });
  return resource;
});

function buildExtensionConfig(filter: WasmFilterIR, server: ModuleServer): TypedExtensionConfigJson {
  return {
  name: filter.name,
  typed_config: packAny(WasmSchema, {
    config: {
      name: filter.name,
      ...(filter.rootId ? { root_id: filter.rootId } : {}),
      vm_config: {
        vm_id: filter.vmId,
        runtime: "envoy.wasm.runtime.v8",
        code: {
          remote: {
            http_uri: {
              uri: `http://${server.host}:${server.port}${filter.module.path}`,
              cluster: server.clusterName,
              timeout: MODULE_FETCH_TIMEOUT,
            },
            sha256: filter.module.sha256,
            retry_policy: { num_retries: 3 },
          },
        },
      },
      // StringValue reaches proxy_on_configure as the bare JSON text.
      configuration: packAny(StringValueSchema, JSON.stringify(sharedConfiguration(filter))),
      failure_policy: filter.failurePolicy === "FailClosed" ? "FAIL_CLOSED" : "FAIL_OPEN",
    },
  }),
  };
}

/** STATIC for an IP literal, STRICT_DNS for a name (a Kubernetes Service DNS name). */
const moduleServerCluster = perObjectIn((server: ModuleServer, _unused: null): ClusterJson => ({
  name: server.clusterName,
  type: isIP(server.host) ? "STATIC" : "STRICT_DNS",
  connect_timeout: "1s",
  ...(isIP(server.host) ? {} : { dns_lookup_family: "V4_PREFERRED" }),
  load_assignment: {
    cluster_name: server.clusterName,
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: server.host, port_value: server.port } } } }] }],
  },
}));

export const wasmFeature: HttpFilterFeature = {
  patchHCM(ir, httpFilters) {
    for (const filter of orderedWasmFilters(ir)) httpFilters.push(hcmEntry(filter));
  },
  patchRoute(route, typedPerFilterConfig, filterMetadata) {
    const settings: { [filter: string]: string } = {};
    for (const use of route.filters) {
      typedPerFilterConfig[use.filter] = ENABLED_ON_ROUTE;
      // `{}` is not "no settings": it takes the filter's defaults (ratelimit limits the route).
      if (use.settings) settings[use.filter] = JSON.stringify(use.routeNameInSettings ? withRouteName(route.name, use.settings) : use.settings);
    }
    if (Object.keys(settings).length) filterMetadata[ROUTE_SETTINGS_METADATA] = settings;
  },
  patchResources(ir, out) {
    if (!ir.wasmFilters.length) return;
    const extensions = out[TYPE.typedExtensionConfig]!;
    for (const filter of ir.wasmFilters) extensions.set(filter.name, wasmExtensionConfig(filter, ir.moduleServer));
    const clusters = out[TYPE.cluster]!;
    if (!clusters.has(ir.moduleServer.clusterName)) {
      clusters.set(ir.moduleServer.clusterName, moduleServerCluster(ir.moduleServer, null));
    }
  },
};
