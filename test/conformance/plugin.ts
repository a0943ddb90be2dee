// One Wasm plugin as both sides of the differential harness run it: the same module file,
// configuration, identity and failure policy go into Envoy's PluginConfig (envoy-side.ts) and
// into the HostEmulator (host-side.ts).
import type { FailurePolicy } from "../../host/index.ts";

export interface PluginUnderTest {
  /** PluginConfig.name (property plugin_name). */
  name: string;
  rootId: string;
  vmId: string;
  wasmPath: string;
  configuration: string;
  vmConfiguration: string;
  failurePolicy: FailurePolicy;
  /** The route's name (xds.route_name), the same on both sides. */
  routeName: string;
}

export function plugin(wasmPath: string, overrides: Partial<PluginUnderTest> = {}): PluginUnderTest {
  return {
    name: "conformance",
    rootId: "conformance_root",
    vmId: "conformance_vm",
    wasmPath,
    configuration: "",
    vmConfiguration: "",
    failurePolicy: "fail-closed",
    routeName: "conformance-route",
    ...overrides,
  };
}
