// The xDS bench's snapshot: the translate bench workload (10,000 Mappings over 500 Hosts) run through
// the real model and translator, and the same with one Mapping changed. If those stages fail
// (they are developed alongside), resources of the same shape are synthesized instead — 500
// per-Host VirtualHosts of 20 routes, 10,000 EDS clusters with their endpoints — and the
// report says which was used.
import type { ConfigSourceJson } from "../../protos/gen/envoy/config/core/v3/config_source_pb.ts";
import type { VirtualHostJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import { emptyResources } from "../../protos/type-urls.ts";
import type { XdsResources } from "../../controlplane/xds/snapshot.ts";
import { TYPE_URL } from "../../controlplane/xds/types.ts";

export interface XdsWorkload {
  source: string;
  mappings: number;
  resources: XdsResources;
  /** The resources after changing one Mapping (a different one each round). */
  change(round: number): Promise<{ resources: XdsResources; modelAndTranslateMs: number }>;
}

async function fromTranslator(): Promise<XdsWorkload> {
  const { buildWorkload, changeOneMapping, SCALE } = await import("../translate/workload.ts");
  const { buildModel, createModelCache } = await import("../../controlplane/model/index.ts");
  const { translate } = await import("../../controlplane/translate/index.ts");
  const options = {
    moduleServer: { clusterName: "attache_modules", host: "attache.attache-system.svc", port: 18002 },
    modules: { auth: { sha256: "a1".repeat(32) }, ratelimit: { sha256: "b2".repeat(32) }, canary: { sha256: "c3".repeat(32) } },
    now: "2026-01-01T00:00:00Z",
  };
  const cache = createModelCache();
  const bundle = buildWorkload();
  const resources = translate(buildModel(bundle, { ...options, cache } as never).ir) as XdsResources;
  return {
    source: "the translate bench workload through the real model and translator",
    mappings: SCALE.hosts * SCALE.mappingsPerHost,
    resources,
    async change(round) {
      const started = performance.now();
      const changed = translate(buildModel(changeOneMapping(bundle, round), { ...options, cache } as never).ir) as XdsResources;
      return { resources: changed, modelAndTranslateMs: performance.now() - started };
    },
  };
}

const ADS: ConfigSourceJson = { ads: {}, resource_api_version: "V3" };

function synthetic(): XdsWorkload {
  const hosts = 500;
  const routesPerHost = 20;
  const clusters = 10_000;
  const vhost = (h: number, round: number): VirtualHostJson => ({
    name: `attache-http/default/h${h}`,
    domains: [`h${h}.example.com`],
    routes: Array.from({ length: routesPerHost }, (_, i) => {
      const n = h * routesPerHost + i;
      const prefix = h === 250 && i === 7 && round >= 0 ? `/api/${i}-v${round}/` : `/api/${i}/`;
      return { name: `default/m${n}`, match: { prefix }, route: { cluster: `default/svc${n}:80`, timeout: "3s", prefix_rewrite: "/" } };
    }),
  });
  const build = (): XdsResources => {
    const out: XdsResources = emptyResources();
    out[TYPE_URL.routeConfiguration].set("attache-http", { name: "attache-http", virtual_hosts: Array.from({ length: hosts }, (_, h) => vhost(h, -1)) });
    for (let c = 0; c < clusters; c++) {
      const name = `default/svc${c}:80`;
      out[TYPE_URL.cluster].set(name, { name, type: "EDS", connect_timeout: "3s", lb_policy: "ROUND_ROBIN", eds_cluster_config: { eds_config: ADS, service_name: name } });
      out[TYPE_URL.clusterLoadAssignment].set(name, {
        cluster_name: name,
        endpoints: [{ load_balancing_weight: 1, lb_endpoints: [1, 2, 3].map((e) => ({ endpoint: { address: { socket_address: { address: `10.${c >> 8}.${c & 255}.${e}`, port_value: 8080 } } } })) }],
      });
    }
    return out;
  };
  const base = build();
  return {
    source: "synthesized resources (500 inline virtual hosts x 20 routes, 10,000 clusters + endpoints)",
    mappings: hosts * routesPerHost,
    resources: base,
    async change(round) {
      // Like the translator: unchanged resources stay the same objects, one is new.
      const started = performance.now();
      const next: XdsResources = { ...base, [TYPE_URL.routeConfiguration]: new Map(base[TYPE_URL.routeConfiguration]) };
      const rc = base[TYPE_URL.routeConfiguration].get("attache-http")!;
      next[TYPE_URL.routeConfiguration].set("attache-http", { ...rc, virtual_hosts: rc.virtual_hosts?.map((v, h) => (h === 250 ? vhost(250, round) : v)) });
      return { resources: next, modelAndTranslateMs: performance.now() - started };
    },
  };
}

export async function loadWorkload(kind = process.env.BENCH_XDS_WORKLOAD ?? "translator"): Promise<XdsWorkload> {
  if (kind === "synthetic") return synthetic();
  try {
    return await fromTranslator();
  } catch (err) {
    const w = synthetic();
    return { ...w, source: `${w.source}; the translator failed: ${(err as Error).message.split("\n")[0]}` };
  }
}
