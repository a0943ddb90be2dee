// A discovered filter without its ECDS config runs config_discovery.default_config, as Envoy
// does: what the control plane emits (translate/wasm.ts) compiles, anything else is refused.
import { describe, expect, it } from "vitest";
import { compileListener } from "../config/listeners.ts";
import { fallbackFilter } from "./fallback-filter.ts";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import { HTTPFaultSchema } from "../../protos/gen/envoy/extensions/filters/http/fault/v3/fault_pb.ts";
import { HttpConnectionManagerSchema } from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { packAny } from "../../protos/json.ts";
import type { ListenerJson } from "../../protos/gen/envoy/config/listener/v3/listener_pb.ts";

const FAULT = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

function listenerWith(defaultConfig: AnyJson): ListenerJson {
  return {
    name: "l",
    address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
    filter_chains: [{ filters: [{ name: "hcm", typed_config: packAny(HttpConnectionManagerSchema, { rds: { route_config_name: "r" }, http_filters: [
      { name: "attache.wasm/default/f", disabled: true, config_discovery: { config_source: { ads: {} }, default_config: defaultConfig, type_urls: [] } },
      { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } },
    ] }) }] }],
  };
}

const info = {
  routeName: "r", sourceAddress: "127.0.0.1:1", sourcePort: 1, requestId: "x", method: "GET", path: "/", host: "h", protocol: "HTTP/1.1",
  connection: { id: 1, localAddress: "127.0.0.1", localPort: 8080 }, virtualHostName: "v", stream: {},
};

describe("ECDS default config in the local data plane", () => {
  it("aborts with the status for a FAIL_CLOSED filter's default and passes for a FAIL_OPEN one", () => {
    const closed = compileListener(listenerWith(packAny(HTTPFaultSchema, { abort: { http_status: 503, percentage: { numerator: 100, denominator: "HUNDRED" } } })));
    const fallback = closed.plain!.filters[0]!.fallback!;
    expect(fallback).toEqual({ kind: "abort", status: 503 });
    expect(fallbackFilter("f", fallback).createInstance(info).onRequestHeaders([], true)).toEqual({
      kind: "reply", reply: { status: 503, headers: [["content-type", "text/plain"]], body: "fault filter abort" },
    });
    const open = compileListener(listenerWith({ "@type": FAULT })).plain!.filters[0]!.fallback!;
    expect(fallbackFilter("f", open).createInstance(info).onRequestHeaders([], true)).toEqual({ kind: "continue" });
  });

  it("refuses a default config it cannot run (the update is NACKed)", () => {
    expect(() => compileListener(listenerWith({ "@type": "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC" })))
      .toThrow("Listener l.filter_chains[0].filters.http_connection_manager.http_filters[0].config_discovery.default_config: only an HTTPFault default config is supported");
  });
});
