// The per-request bench's Envoy configuration, as one static bootstrap so every case runs in
// the same Envoy and rounds can take turns:
// (a) + (b): the translator's own output for workload.ts — its HCM (filters `disabled: true`,
//     switched on per route by FilterConfig), its routes with their names and
//     typed_per_filter_config, its Wasm configs (vm_id, plugin configuration, failure policy).
//     Two changes, neither on the request path: each ECDS reference becomes the Wasm config
//     it would fetch, inline, and the module comes from the local file with the digest the
//     control plane serves instead of the module server; the access log goes to /dev/null
//     instead of Envoy's stdout.
// (c): Envoy's native filters with the same keys and limits, switched on per route the same way.
// (d): the Rust twins with the very plugin configuration strings of (b), on routes that carry
//     the same route names (the configurations are keyed by route name).
// (e): the floor: a Wasm filter that does nothing (floor/noop.wasm.ts), once and three times (three
//     plugins in one VM) on a route, to show what Envoy spends per Wasm filter instance; and
//     ones that only read the route name, the route's settings property, or both
//     (floor/reads.wasm.ts). And the experiment of the three checks of "all" in one filter
//     (combined/checks.wasm.ts) on a copy of the "all" route.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { offlineModelOptions } from "../../controlplane/cli/model-options.ts";
import { builtModuleDigests } from "../../controlplane/sources/file/local-filters.ts";
import { buildModel } from "../../controlplane/model/index.ts";
import { loadYamlPaths } from "../../controlplane/sources/file/scan.ts";
import { translate } from "../../controlplane/translate/index.ts";
import type { JsonObject } from "@bufbuild/protobuf";
import { TYPE } from "../../controlplane/translate/resources.ts";
import { ROUTE_SETTINGS_METADATA } from "../../controlplane/translate/wasm.ts";
import type { TwinName } from "./twins.ts";
import type { FloorModules } from "./floor.ts";
import type { BeforeModules } from "./before.ts";
import { API_KEY, AUDIENCE, CANARY_HASH_HEADER, CANARY_WEIGHT, ISSUER, OTHER_KEY, RATE, type Workload } from "./workload.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BUILT = join(REPO, "build", "filters");
const FILTER_CONFIG = "type.googleapis.com/envoy.config.route.v3.FilterConfig";
const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

type Json = JsonObject;
const obj = (v: unknown) => v as Json;
const enable = (config?: Json): Json => ({ "@type": FILTER_CONFIG, ...(config ? { config } : { config: {} }) });

/** The translator's resources for the workload. */
function translated(workload: Workload): { listener: Json; routes: Json[]; extensions: Map<string, Json>; clusters: Json[] } {
  const dir = mkdtempSync(join(tmpdir(), "attache-bench-envoy-"));
  writeFileSync(join(dir, "workload.yaml"), workload.yaml);
  const options = { ...offlineModelOptions(REPO), modules: builtModuleDigests(REPO) };
  const { ir, statuses } = buildModel(loadYamlPaths([dir]), options);
  const errors = statuses.flatMap((s) => s.errors);
  if (errors.length) throw new Error(`bench workload is invalid: ${errors.join("; ")}`);
  const resources = translate(ir);
  const routeConfig = obj(resources[TYPE.routeConfiguration]!.get("attache-http"));
  const vhosts = (routeConfig.virtual_hosts ?? []) as Json[];
  if (vhosts.length !== 1) throw new Error(`expected one virtual host, got ${vhosts.length}`);
  return {
    listener: obj(resources[TYPE.listener]!.get("attache-http")),
    routes: vhosts[0]!.routes as Json[],
    extensions: new Map([...resources[TYPE.typedExtensionConfig]!].map(([k, v]) => [k, obj(v)])),
    clusters: [...resources[TYPE.cluster]!.values()].map(obj).filter((c) => String(c.name).startsWith("url/")),
  };
}

/** sha256 -> local path of every built release module. */
function modulesByDigest(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(BUILT).filter((f) => f.endsWith(".release.wasm"))) {
    out.set(createHash("sha256").update(readFileSync(join(BUILT, file))).digest("hex"), join(BUILT, file));
  }
  return out;
}

/** The ECDS Wasm config with the module read from `path` (same digest) instead of fetched. */
function withLocalModule(extension: Json, path: string): Json {
  const typed = structuredClone(obj(extension.typed_config));
  const vm = obj(obj(typed.config).vm_config);
  vm.code = { local: { filename: path } };
  return typed;
}

export interface PluginConfigs { [filterName: string]: string }

export interface BenchConfig {
  bootstrap: Json;
  /** Path prefix per case label. */
  paths: Record<string, string>;
  /** The AS modules' paths, by built-in name. */
  modules: Record<string, string>;
  /** Bytes of each plugin configuration as Envoy gets it. */
  pluginConfigs: PluginConfigs;
}

export interface BenchConfigOptions {
  listenPort: number;
  workload: Workload;
  twins?: Record<TwinName, string>;
  /** The floor modules (floor.ts). */
  floor?: FloorModules;
  /** The built-in filters of an earlier commit (before.ts). */
  before?: BeforeModules;
}

export const FLOOR_FILTERS = ["floor.1", "floor.2", "floor.3"];
/** The filters of the "all" case that combined/checks.wasm.ts runs as one, in its order. */
const CHECKS = ["attache.wasm/default/auth-key", "attache.wasm/_builtin/ratelimit", "attache.wasm/_builtin/canary"];
/** floor/reads.wasm.ts plugin configuration -> case: which host call it makes per request, how often. */
export const FLOOR_READS: Record<string, string> = { n: "name", s: "settings", b: "both", n20: "name-x20", s2: "settings-x2", s5: "settings-x5", s20: "settings-x20", h20: "header-x20", c20: "counter-x20", i: "idle" };

export function benchConfig({ listenPort, workload, twins, floor, before }: BenchConfigOptions): BenchConfig {
  const t = translated(workload);
  const digests = modulesByDigest();
  const hcm = structuredClone(obj(obj(obj(t.listener.filter_chains as Json[])[0] as Json).filters as Json[])[0] as Json);
  const hcmConfig = obj(hcm.typed_config);
  const modules: Record<string, string> = {};
  const pluginConfigs: PluginConfigs = {};

  // (b): the translator's chain, ECDS references resolved inline.
  const router = (hcmConfig.http_filters as Json[]).pop()!;
  const chain: Json[] = [];
  for (const entry of hcmConfig.http_filters as Json[]) {
    const extension = t.extensions.get(String(entry.name));
    if (!extension) throw new Error(`no TypedExtensionConfig for ${entry.name}`);
    const sha = String(obj(obj(obj(obj(obj(extension.typed_config).config).vm_config).code).remote).sha256);
    const path = digests.get(sha);
    if (!path) throw new Error(`${entry.name}: no built module with sha256 ${sha} (npm run build)`);
    modules[String(entry.name)] = path;
    pluginConfigs[String(entry.name)] = String(obj(obj(obj(extension.typed_config).config).configuration).value);
    chain.push({ name: entry.name, disabled: true, typed_config: withLocalModule(extension, path) });
  }
  for (const name of t.extensions.keys()) if (!chain.some((f) => f.name === name)) throw new Error(`extension ${name} not in the HCM chain`);

  // (c): native filters, off unless a route switches them on.
  chain.push(
    { name: "native.rbac", disabled: true, typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC" } },
    {
      name: "native.jwt_authn", disabled: true,
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        providers: {
          bench: {
            issuer: ISSUER, audiences: [AUDIENCE], forward: true, clock_skew_seconds: 60,
            local_jwks: { inline_string: JSON.stringify({ keys: [workload.jwk] }) },
            claim_to_headers: [{ header_name: "x-user", claim_name: "sub" }, { header_name: "x-groups", claim_name: "groups" }],
          },
        },
        requirement_map: { bench: { provider_name: "bench" } },
      },
    },
    {
      name: "native.local_ratelimit", disabled: true,
      typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", stat_prefix: "bench" },
    },
  );

  // (d): Rust twins with the same plugin configurations.
  const twinFor: Record<string, TwinName> = {};
  if (twins) {
    for (const [asName, twin] of Object.entries(twinNames())) {
      const text = pluginConfigs[asName];
      if (text === undefined) continue;
      const name = `twin.${asName}`;
      twinFor[asName] = twin;
      chain.push({
        name, disabled: true,
        typed_config: {
          "@type": WASM,
          config: {
            name, vm_config: { vm_id: name, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: twins[twin] } } },
            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: text },
            failure_policy: asName.includes("auth") ? "FAIL_CLOSED" : "FAIL_OPEN",
          },
        },
      });
    }
  }
  // (b) before: the earlier commit's modules with the same plugin configurations, under their own names.
  if (before) {
    for (const [asName, twin] of Object.entries(twinNames())) {
      const text = pluginConfigs[asName];
      if (text === undefined || (twin === "auth" && !asName.endsWith("auth-key"))) continue;
      const name = `before.${asName}`;
      chain.push({
        name, disabled: true,
        typed_config: {
          "@type": WASM,
          config: {
            name, vm_config: { vm_id: name, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: before.modules[twin] } } },
            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: text },
            failure_policy: asName.includes("auth") ? "FAIL_CLOSED" : "FAIL_OPEN",
          },
        },
      });
    }
  }
  // (e): three no-op plugins sharing one VM (same vm_id and module).
  if (floor) {
    for (const name of FLOOR_FILTERS) {
      chain.push({
        name, disabled: true,
        typed_config: { "@type": WASM, config: { name, vm_config: { vm_id: "floor", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: floor.noop } } } } },
      });
    }
    // The three checks in one filter (combined/checks.wasm.ts): the three plugin configurations, one per line.
    const [auth, limit, canary] = CHECKS.map((name) => pluginConfigs[name]);
    if (auth !== undefined && limit !== undefined && canary !== undefined) {
      chain.push({
        name: "bench.checks", disabled: true,
        typed_config: {
          "@type": WASM,
          config: {
            name: "bench.checks",
            vm_config: { vm_id: "bench.checks", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: floor.checks } } },
            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: [auth, limit, canary].join("\n") },
            failure_policy: "FAIL_CLOSED",
          },
        },
      });
    }
    // One reads plugin per mode (floor/reads.wasm.ts), each in its own VM as our filters are;
    // all under the plugin name "floor.reads", the settings' key in the route metadata.
    for (const [mode, label] of Object.entries(FLOOR_READS)) {
      chain.push({
        name: `floor.reads.${label}`, disabled: true,
        typed_config: {
          "@type": WASM,
          config: {
            name: "floor.reads",
            vm_config: { vm_id: `floor-reads-${label}`, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: floor.reads } } },
            configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: mode },
          },
        },
      });
    }
  }
  hcmConfig.http_filters = [...chain, router];
  // Same access log format, written to /dev/null instead of Envoy's stdout (the bench's pipe).
  for (const log of (hcmConfig.access_log ?? []) as Json[]) {
    const typed = obj(log.typed_config);
    log.name = "envoy.access_loggers.file";
    log.typed_config = { "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", path: "/dev/null", ...(typed.log_format ? { log_format: typed.log_format } : {}) };
  }

  // Routes: the translator's, then copies for (c) and (d).
  const cluster = t.clusters[0]!;
  const upstream = String(cluster.name);
  const routes: Json[] = t.routes.map((r) => structuredClone(r));
  const byName = new Map(routes.map((r) => [String(r.name), r]));
  const paths: Record<string, string> = {};
  const copy = (from: string, prefix: string, perFilter: Json | undefined, action?: Json): void => {
    const base = byName.get(from)!;
    const route: Json = { ...structuredClone(base), match: { prefix } };
    if (action) route.route = action;
    if (perFilter) route.typed_per_filter_config = perFilter;
    else delete route.typed_per_filter_config;
    routes.push(route);
  };
  for (const r of routes) paths[String(r.name).replace("default/", "")] = String(obj(r.match).prefix);

  const rbac = enable({
    "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
    rbac: {
      rules: {
        action: "ALLOW",
        policies: {
          "api-key": {
            permissions: [{ any: true }],
            principals: [API_KEY, OTHER_KEY].map((key) => ({ header: { name: "x-api-key", string_match: { exact: key } } })),
          },
        },
      },
    },
  });
  const jwt = enable({ "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig", requirement_name: "bench" });
  const bucket = { max_tokens: RATE.requests, tokens_per_fill: RATE.requests, fill_interval: RATE.interval };
  const localRateLimit = enable({
    "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
    stat_prefix: "bench",
    token_bucket: bucket,
    filter_enabled: { default_value: { numerator: 100, denominator: "HUNDRED" }, runtime_key: "bench.enabled" },
    filter_enforced: { default_value: { numerator: 100, denominator: "HUNDRED" }, runtime_key: "bench.enforced" },
    // One bucket per client address, as the Wasm filter's keyBy: [clientAddress].
    rate_limits: [{ actions: [{ remote_address: {} }] }],
    descriptors: [{ entries: [{ key: "remote_address" }], token_bucket: bucket }],
    max_dynamic_descriptors: 10000,
  });
  // Native canary: the client sends the number the filter would compute; weighted clusters read it.
  const weighted = {
    weighted_clusters: { clusters: [{ name: upstream, weight: CANARY_WEIGHT }, { name: upstream, weight: 100 - CANARY_WEIGHT }], header_name: CANARY_HASH_HEADER },
    prefix_rewrite: "/", timeout: "3s",
  };
  copy("default/apikey", "/native-apikey/", { "native.rbac": rbac });
  copy("default/jwt", "/native-jwt/", { "native.jwt_authn": jwt });
  copy("default/ratelimit", "/native-ratelimit/", { "native.local_ratelimit": localRateLimit });
  copy("default/canary", "/native-canary/", undefined, weighted);
  copy("default/all", "/native-all/", { "native.rbac": rbac, "native.local_ratelimit": localRateLimit }, weighted);
  Object.assign(paths, { "native-apikey": "/native-apikey/", "native-jwt": "/native-jwt/", "native-ratelimit": "/native-ratelimit/", "native-canary": "/native-canary/", "native-all": "/native-all/" });
  /** The route's Wasm filters switched on under `<prefix>.<name>` instead. */
  const twinPerFilter = (route: string, prefix = "twin"): Json => {
    const base = obj(byName.get(route)!.typed_per_filter_config);
    return Object.fromEntries(Object.keys(base).map((name) => [`${prefix}.${name}`, enable()]));
  };
  if (twins) {
    for (const name of ["apikey", "jwt", "ratelimit", "canary", "all"]) {
      copy(`default/${name}`, `/rust-${name}/`, twinPerFilter(`default/${name}`));
      // The twins find the same settings under their own plugin names.
      const twinRoute = routes.at(-1)!;
      const settings = obj(obj(obj(twinRoute.metadata ?? {}).filter_metadata ?? {})[ROUTE_SETTINGS_METADATA] ?? {});
      if (Object.keys(settings).length) {
        twinRoute.metadata = { filter_metadata: { [ROUTE_SETTINGS_METADATA]: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`twin.${k}`, v])) } };
      }
      paths[`rust-${name}`] = `/rust-${name}/`;
    }
  }

  if (before) {
    for (const name of ["apikey", "ratelimit", "canary", "all"]) {
      copy(`default/${name}`, `/before-${name}/`, twinPerFilter(`default/${name}`, "before"));
      // Under their own plugin names, as that commit's translator wrote them: without `route`.
      const route = routes.at(-1)!;
      const settings = obj(obj(obj(route.metadata ?? {}).filter_metadata ?? {})[ROUTE_SETTINGS_METADATA] ?? {});
      const old = (text: unknown) => { const { route: _named, ...own } = JSON.parse(String(text)) as Json; return JSON.stringify(own); };
      route.metadata = { filter_metadata: { [ROUTE_SETTINGS_METADATA]: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`before.${k}`, old(v)])) } };
      paths[`before-${name}`] = `/before-${name}/`;
    }
  }

  if (floor) {
    copy("default/none", "/floor-1/", { [FLOOR_FILTERS[0]!]: enable() });
    copy("default/none", "/floor-3/", Object.fromEntries(FLOOR_FILTERS.map((n) => [n, enable()])));
    Object.assign(paths, { "floor-1": "/floor-1/", "floor-3": "/floor-3/" });
    // The "all" route with the one combined filter instead of three, its settings in one object.
    if (chain.some((f) => f.name === "bench.checks")) {
      copy("default/all", "/checks/", { "bench.checks": enable() });
      const own = obj(obj(obj(byName.get("default/all")!.metadata ?? {}).filter_metadata ?? {})[ROUTE_SETTINGS_METADATA] ?? {});
      const [auth, limit, canary] = CHECKS.map((name) => (own[name] === undefined ? undefined : JSON.parse(String(own[name]))));
      routes.at(-1)!.metadata = { filter_metadata: { [ROUTE_SETTINGS_METADATA]: { "bench.checks": JSON.stringify({ auth, ratelimit: limit, canary }) } } };
      paths.checks = "/checks/";
    }
    for (const label of Object.values(FLOOR_READS)) {
      copy("default/none", `/floor-reads-${label}/`, { [`floor.reads.${label}`]: enable() });
      routes.at(-1)!.metadata = { filter_metadata: { [ROUTE_SETTINGS_METADATA]: { "floor.reads": JSON.stringify({ realm: "bench" }) } } };
      paths[`floor-reads-${label}`] = `/floor-reads-${label}/`;
    }
  }

  delete hcmConfig.rds;
  hcmConfig.route_config = { name: "bench", virtual_hosts: [{ name: "bench", domains: ["*"], routes }] };
  const listener: Json = { ...structuredClone(t.listener), name: "bench", address: { socket_address: { address: "127.0.0.1", port_value: listenPort } } };
  listener.filter_chains = [{ filters: [hcm] }];

  const bootstrap: Json = {
    node: { id: "bench", cluster: "bench" },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: { listeners: [listener], clusters: [cluster] },
  };
  return { bootstrap, paths, modules, pluginConfigs };
}

/** Which twin stands in for which of our filters (by the HCM filter name the translator gives). */
function twinNames(): Record<string, TwinName> {
  return {
    "attache.wasm/default/auth-key": "auth",
    "attache.wasm/default/auth-jwt": "auth",
    "attache.wasm/_builtin/ratelimit": "ratelimit",
    "attache.wasm/_builtin/canary": "canary",
  };
}
