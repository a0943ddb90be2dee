import { describe, expect, it } from "vitest";
import { validateRules } from "./validate.ts";

const CLUSTER = "envoy.config.cluster.v3.Cluster";
const okCluster = { name: "c", type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: "c", endpoints: [] } };

describe("validateRules (protoc-gen-validate rules of the Envoy API)", () => {
  it("accepts a valid resource", () => {
    expect(validateRules(CLUSTER, okCluster)).toEqual([]);
  });

  it.each([
    [CLUSTER, { ...okCluster, connect_timeout: "0s" }, "Cluster.connect_timeout: must be longer than 0s"],
    [CLUSTER, { ...okCluster, name: "" }, "Cluster.name: must be at least 1 characters"],
    [CLUSTER, { ...okCluster, circuit_breakers: { thresholds: [{ max_retries: 1 }] } }, ""],
    ["envoy.config.route.v3.VirtualHost", { name: "v", domains: [] }, "VirtualHost.domains: needs at least 1 items"],
    ["envoy.config.route.v3.VirtualHost", { name: "v", domains: ["a\nb"] }, "VirtualHost.domains[0]: not a valid header value"],
    ["envoy.config.route.v3.Route", { match: { prefix: "/" }, route: { timeout: "1s" } }, "Route.route: one of cluster, cluster_header, weighted_clusters"],
    ["envoy.config.route.v3.Route", { match: { prefix: "/" }, route: { weighted_clusters: { clusters: [] } } }, "Route.route.weighted_clusters.clusters: needs at least 1 items"],
    ["envoy.config.route.v3.Route", { match: {}, route: { cluster: "c" } }, "Route.match: one of prefix, path, safe_regex"],
    ["envoy.config.route.v3.Route", { match: { safe_regex: { regex: "^/a" } }, route: { cluster: "c" } }, ""],
  ])("%s %j", (type, json, message) => {
    const problems = validateRules(type, json);
    if (message) expect(problems.join("\n")).toContain(message);
    else expect(problems).toEqual([]);
  });

  it("checks inside Any payloads", () => {
    const listener = {
      name: "l",
      filter_chains: [{ filters: [{ name: "hcm", typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix: "",
        rds: { route_config_name: "r", config_source: { ads: {} } },
      } }] }],
    };
    expect(validateRules("envoy.config.listener.v3.Listener", listener)).toEqual([
      "Listener.filter_chains[0].filters[0].typed_config.stat_prefix: must be at least 1 characters",
    ]);
  });
});
