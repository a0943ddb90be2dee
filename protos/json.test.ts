import { describe, expect, it } from "vitest";
import { formatProtoDuration } from "./duration.ts";
import { decodeToJson, encodeJson, parseDuration } from "./json.ts";

const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

describe("proto3 JSON <-> Envoy binary", () => {
  it("round-trips a cluster with durations, wrappers, enums and Any", () => {
    const cluster = {
      name: "default/echo:80",
      type: "EDS",
      connect_timeout: "0.25s",
      lb_policy: "LEAST_REQUEST",
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: "V3" }, service_name: "default/echo:80" },
      circuit_breakers: { thresholds: [{ priority: "HIGH", max_connections: 100, max_retries: 3 }] },
      typed_extension_protocol_options: {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
          "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    };
    const bytes = encodeJson("envoy.config.cluster.v3.Cluster", cluster);
    expect(decodeToJson("envoy.config.cluster.v3.Cluster", bytes)).toEqual(cluster);
  });

  it("keeps the Wasm failure_policy field added at runtime (absent from the shipped protos)", () => {
    const wasm = {
      config: {
        name: "attache.wasm/default/auth",
        root_id: "auth",
        failure_policy: "FAIL_CLOSED",
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: "{\"routes\":{}}" },
        vm_config: {
          vm_id: "default/auth",
          runtime: "envoy.wasm.runtime.v8",
          code: { remote: { http_uri: { uri: "http://attache:18002/modules/ab.wasm", cluster: "attache_modules", timeout: "10s" }, sha256: "ab" } },
        },
      },
    };
    expect(decodeToJson(WASM, encodeJson(WASM, wasm))).toEqual(wasm);
  });

  it("encodes FilterConfig{config: {}} as a present, empty Any (Envoy: filter enabled on the route)", () => {
    const FILTER_CONFIG = "envoy.config.route.v3.FilterConfig";
    const bytes = encodeJson(FILTER_CONFIG, { config: {} });
    // Field 1 (config), length-delimited, zero length: has_config() is true in Envoy.
    expect(Array.from(bytes)).toEqual([0x0a, 0x00]);
    expect(decodeToJson(FILTER_CONFIG, bytes)).toEqual({ config: {} });
    // Without `config` Envoy rejects the route ("Empty route/virtual host per filter configuration").
    expect(Array.from(encodeJson(FILTER_CONFIG, {}))).toEqual([]);
  });

  it("leaves out oneof members that are not set", () => {
    const ROUTE = "envoy.config.route.v3.Route";
    const route = { match: { prefix: "/" }, redirect: { https_redirect: true } };
    expect(decodeToJson(ROUTE, encodeJson(ROUTE, route))).toEqual(route);
  });

  it("converts Struct values both ways", () => {
    const md = { filter_metadata: { attache: { mapping: "default/a", weight: 10, tags: ["x", true, null] } } };
    expect(decodeToJson("envoy.config.core.v3.Metadata", encodeJson("envoy.config.core.v3.Metadata", md))).toEqual(md);
  });

  it.each([
    [{ name: "c", conect_timeout: "1s" }, "Cluster.conect_timeout: unknown field of envoy.config.cluster.v3.Cluster"],
    [{ name: "c", connect_timeout: "3 seconds" }, "Cluster.connect_timeout: invalid duration \"3 seconds\""],
    [{ name: "c", lb_policy: "FASTEST" }, "Cluster.lb_policy: invalid value \"FASTEST\" for enum LbPolicy"],
    [{ name: "c", type: "EDS", cluster_type: { name: "x" } }, "Cluster.cluster_type: oneof cluster_discovery_type already set by type"],
    [{ name: 7 }, "Cluster.name: expected a string, got 7"],
    [{ name: "c", per_connection_buffer_limit_bytes: -1 }, "Cluster.per_connection_buffer_limit_bytes: expected an unsigned integer"],
  ])("rejects %j naming the path", (json, message) => {
    expect(() => encodeJson("envoy.config.cluster.v3.Cluster", json)).toThrow(message);
  });

  it("checks fields inside Any payloads", () => {
    const bad = { name: "l", filter_chains: [{ filters: [{ name: "hcm", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", stat_prefx: "x" } }] }] };
    expect(() => encodeJson("envoy.config.listener.v3.Listener", bad)).toThrow("Listener.filter_chains[0].filters[0].typed_config.stat_prefx: unknown field");
  });

  it("formats and parses durations", () => {
    expect(parseDuration("1.5s", "d")).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(formatProtoDuration(1, 500_000_000)).toBe("1.5s");
    expect(formatProtoDuration(3, 0)).toBe("3s");
  });
});
