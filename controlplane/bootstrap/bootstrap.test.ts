import { describe, expect, it } from "vitest";
import { decodeToJson, encodeJson } from "../../protos/json.ts";
import { envoyBootstrap } from "./bootstrap.ts";

const BOOTSTRAP = "envoy.config.bootstrap.v3.Bootstrap";

describe("Envoy bootstrap", () => {
  it("encodes with the real Bootstrap proto and keeps every field", () => {
    const b = envoyBootstrap({ xdsAddress: "attache.attache-system.svc:18000", nodeId: "envoy-1" });
    expect(decodeToJson(BOOTSTRAP, encodeJson(BOOTSTRAP, b))).toEqual(b);
  });

  it("uses Delta ADS to the control plane and keeps admin on localhost", () => {
    const b = envoyBootstrap({ xdsAddress: "10.0.0.5:18000" }) as any;
    expect(b.dynamic_resources.ads_config.api_type).toBe("DELTA_GRPC");
    expect(b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "10.0.0.5", port_value: 18000 });
    expect(b.admin.address.socket_address.address).toBe("127.0.0.1");
  });

  it("names the bad flag for a malformed address", () => {
    expect(() => envoyBootstrap({ xdsAddress: "no-port" })).toThrow('--xds-address: expected host:port, got "no-port"');
  });
});
