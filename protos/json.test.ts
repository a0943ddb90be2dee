import { describe, expect, it } from "vitest";
import { formatProtoDuration } from "./duration.ts";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { ClusterSchema } from "./gen/envoy/config/cluster/v3/cluster_pb.ts";
import { HttpProtocolOptionsSchema } from "./gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import { decodeMessage, decodeResource, decodeToJson, encodeJson, encodeMessage, packAny, parseDuration, unpackAny } from "./json.ts";
import { TYPE_URL } from "./type-urls.ts";

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
    // Durations come back in proto3 JSON's canonical form: 0, 3, 6 or 9 fraction digits.
    expect(decodeToJson("envoy.config.cluster.v3.Cluster", bytes)).toEqual({ ...cluster, connect_timeout: "0.250s" });
  });

  it("keeps the Wasm failure_policy field (Envoy >= 1.30, replacing fail_open)", () => {
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
    [{ name: "c", conect_timeout: "1s" }, 'Cluster: cannot decode message envoy.config.cluster.v3.Cluster from JSON: key "conect_timeout" is unknown'],
    // proto3 JSON's lowerCamelCase names are not Envoy's config style (scripts/protos/generate.ts).
    [{ name: "c", connectTimeout: "1s" }, 'Cluster: cannot decode message envoy.config.cluster.v3.Cluster from JSON: key "connectTimeout" is unknown'],
    [{ name: "c", connect_timeout: "3 seconds" }, 'Cluster.connect_timeout: cannot decode message google.protobuf.Duration from JSON: "3 seconds"'],
    [{ name: "c", lb_policy: "FASTEST" }, 'Cluster: cannot decode enum envoy.config.cluster.v3.Cluster.LbPolicy from JSON: "FASTEST"'],
    [{ name: "c", type: "EDS", cluster_type: { name: "x" } }, "Cluster: cannot decode oneof envoy.config.cluster.v3.Cluster.cluster_discovery_type from JSON: oneof set multiple times by type and cluster_type"],
    [{ name: 7 }, "Cluster: cannot decode field envoy.config.cluster.v3.Cluster.name from JSON: expected string, got 7"],
    [{ name: "c", per_connection_buffer_limit_bytes: -1 }, "Cluster.per_connection_buffer_limit_bytes: cannot decode field google.protobuf.UInt32Value.value from JSON: expected number (uint32): -1 out of range"],
  ])("rejects %j naming the field path and the message type", (json, message) => {
    expect(() => encodeJson("envoy.config.cluster.v3.Cluster", json)).toThrow(message);
  });

  it("checks fields inside Any payloads, naming the path to the Any", () => {
    const bad = { name: "l", filter_chains: [{ filters: [{ name: "hcm", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", stat_prefx: "x" } }] }] };
    expect(() => encodeJson("envoy.config.listener.v3.Listener", bad)).toThrow('Listener.filter_chains[0].filters[0].typed_config: cannot decode message envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager from JSON: key "stat_prefx" is unknown');
  });

  it("packs and unpacks Any bodies by schema (well-known types under \"value\")", () => {
    const options = packAny(HttpProtocolOptionsSchema, { explicit_http_config: { http2_protocol_options: {} } });
    expect(options).toEqual({ "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions", explicit_http_config: { http2_protocol_options: {} } });
    expect(unpackAny(options, HttpProtocolOptionsSchema)?.explicit_http_config).toEqual({ http2_protocol_options: {} });
    expect(unpackAny(options, ClusterSchema)).toBeUndefined();
    const text = packAny(StringValueSchema, "{\"a\":1}");
    expect(text).toEqual({ "@type": "type.googleapis.com/google.protobuf.StringValue", value: "{\"a\":1}" });
    expect(unpackAny(text, StringValueSchema)).toBe("{\"a\":1}");
    // The packed form is what the codec reads.
    const cluster = { name: "c", typed_extension_protocol_options: { [HttpProtocolOptionsSchema.typeName]: options } };
    expect(decodeMessage(ClusterSchema, encodeMessage(ClusterSchema, cluster))).toEqual(cluster);
  });

  it("reads a property set to undefined as absent, as TypeScript's optional fields allow", () => {
    const bytes = encodeMessage(ClusterSchema, { name: "c", connect_timeout: undefined, lb_policy: "RANDOM" });
    expect(decodeResource(TYPE_URL.cluster, bytes)).toEqual({ name: "c", lb_policy: "RANDOM" });
  });

  it("formats and parses durations", () => {
    expect(parseDuration("1.5s", "d")).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(formatProtoDuration(1, 500_000_000)).toBe("1.5s");
    expect(formatProtoDuration(3, 0)).toBe("3s");
  });
});
