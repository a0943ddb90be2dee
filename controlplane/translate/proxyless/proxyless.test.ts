// The proxyless gRPC output: what a gRPC xDS client needs, nothing it would reject, every
// resource valid against Envoy's protos.
import { describe, expect, it } from "vitest";
import { encodeJson } from "../../../protos/json.ts";
import { gateway, grpcRoute, host, service } from "../../../test/xds/ir.ts";
import { TYPE } from "../resources.ts";
import { translateProxyless } from "./index.ts";
import { grpcRetryOn } from "./routes.ts";

const ir = () => gateway(
  [
    host("echo", ["echo.example.com", "*.echo.example.com"], [
      grpcRoute("canary", { prefix: "/echo.Echo/", headers: [{ name: "x-canary", exact: "yes" }] }, [["default/echo-v2:50051", 100]]),
      grpcRoute("main", { prefix: "/echo.Echo/" }, [["default/echo-v1:50051", 80], ["default/echo-v2:50051", 20]], { retry: { retryOn: "5xx,cancelled", numRetries: 2 } }),
      grpcRoute("http-only", { prefix: "/web/", grpc: false }, [["default/echo-v1:50051", 100]]),
      grpcRoute("query", { prefix: "/q", queryParameters: [{ name: "a", exact: "b" }] }, [["default/echo-v1:50051", 100]]),
    ]),
    host("catch-all", ["*"], [grpcRoute("greeter", { prefix: "/helloworld.Greeter/" }, [["default/greeter:50051", 100]], { timeoutMs: 0 })]),
  ],
  [service("echo-v1", [50001]), service("echo-v2", [50002], { lbPolicy: "ring_hash" }), service("greeter", [50003]), service("unused", [50004])],
);

describe("translateProxyless", () => {
  it("emits an api_listener per authority with RDS over ADS and the router filter", () => {
    const out = translateProxyless(ir());
    expect([...out[TYPE.listener].keys()]).toEqual(["echo.example.com", "greeter.default.svc.cluster.local:50051"]);
    const hcm: any = (out[TYPE.listener].get("echo.example.com") as any).api_listener.api_listener;
    expect(hcm.rds).toEqual({ route_config_name: "attache-grpc/echo.example.com", config_source: { ads: {}, resource_api_version: "V3" } });
    expect(hcm.http_filters.at(-1).name).toBe("envoy.filters.http.router");
  });

  it("carries header matches, weights, retries and timeouts, and leaves out what gRPC cannot match", () => {
    const rc: any = translateProxyless(ir())[TYPE.routeConfiguration].get("attache-grpc/echo.example.com");
    expect(rc.virtual_hosts[0].domains).toEqual(["echo.example.com"]);
    const [canary, main, ...rest] = rc.virtual_hosts[0].routes;
    expect(rest).toEqual([]);
    expect(canary.match).toEqual({ prefix: "/echo.Echo/", headers: [{ name: "x-canary", string_match: { exact: "yes" } }] });
    expect(canary.route.cluster).toBe("attache-grpc/default/echo-v2:50051");
    expect(main.route.weighted_clusters.clusters).toEqual([{ name: "attache-grpc/default/echo-v1:50051", weight: 80 }, { name: "attache-grpc/default/echo-v2:50051", weight: 20 }]);
    expect(main.route.retry_policy).toEqual({ retry_on: "unavailable,cancelled", num_retries: 2 });
    expect(main.route.max_stream_duration).toEqual({ max_stream_duration: "3s" });
    const greeter: any = translateProxyless(ir())[TYPE.routeConfiguration].get("attache-grpc/greeter.default.svc.cluster.local:50051");
    expect(greeter.virtual_hosts[0].routes[0].route.max_stream_duration).toBeUndefined();
  });

  it("gives every used backend an EDS cluster and a weighted locality of IP literals", () => {
    const out = translateProxyless(ir());
    expect([...out[TYPE.cluster].keys()].sort()).toEqual(["attache-grpc/default/echo-v1:50051", "attache-grpc/default/echo-v2:50051", "attache-grpc/default/greeter:50051"]);
    expect(out[TYPE.cluster].get("attache-grpc/default/echo-v2:50051")).toMatchObject({ type: "EDS", lb_policy: "RING_HASH", eds_cluster_config: { service_name: "attache-grpc/default/echo-v2:50051" } });
    const cla: any = out[TYPE.clusterLoadAssignment].get("attache-grpc/default/echo-v1:50051");
    expect(cla.endpoints[0]).toMatchObject({ load_balancing_weight: 1, locality: { zone: "attache" } });
    expect(cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 50001 });
  });

  it("uses a LOGICAL_DNS cluster for a single hostname backend", () => {
    const dns = gateway([host("h", ["h.example"], [grpcRoute("r", {}, [["url/api.example:443", 100]])])],
      [{ ...service("x", []), name: "url/api.example:443", discovery: "strict_dns", endpoints: [{ address: "api.example", port: 443, ready: true }] }]);
    const out = translateProxyless(dns);
    expect(out[TYPE.cluster].get("attache-grpc/url/api.example:443")).toMatchObject({ type: "LOGICAL_DNS" });
    expect(out[TYPE.clusterLoadAssignment].size).toBe(0);
  });

  it("produces only resources that encode with Envoy's protos", () => {
    const out = translateProxyless(ir());
    for (const [typeUrl, resources] of Object.entries(out)) {
      for (const [name, json] of resources) expect(() => encodeJson(typeUrl.split("/")[1], json, name)).not.toThrow();
    }
  });

  it("returns the same objects for an unchanged IR (the xDS cache skips re-encoding)", () => {
    const input = ir();
    const a = translateProxyless(input);
    const b = translateProxyless({ ...input });
    expect(b[TYPE.routeConfiguration].get("attache-grpc/echo.example.com")).toBe(a[TYPE.routeConfiguration].get("attache-grpc/echo.example.com"));
    expect(b[TYPE.cluster].get("attache-grpc/default/echo-v1:50051")).toBe(a[TYPE.cluster].get("attache-grpc/default/echo-v1:50051"));
  });

  it("maps HTTP retry conditions to gRPC status names", () => {
    expect(grpcRetryOn("5xx,connect-failure,deadline-exceeded,retriable-4xx")).toBe("unavailable,deadline-exceeded");
    expect(grpcRetryOn("retriable-4xx")).toBe("");
  });
});
