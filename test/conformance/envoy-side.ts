// The Envoy side of the differential harness: real Envoy (EnvoyProcess) with a static
// bootstrap — one listener on an ephemeral port whose HCM runs one Wasm filter (module from a
// local file, as envoy/extensions/wasm/v3/wasm.proto VmConfig.code.local) and the router, in
// front of the echo upstream (cluster "upstream", also usable for proxy_http_call). Wasm log
// lines (`wasm log <plugin> <root_id> <vm_id>: <message>`) are collected per level; metrics come
// from the admin /stats, where Envoy puts module-defined metrics under `wasmcustom.`.
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { EnvoyProcess } from "../../controlplane/runner/envoy-process.ts";
import type { BootstrapJson } from "../../protos/gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import type { FailurePolicyJson } from "../../protos/gen/envoy/extensions/wasm/v3/wasm_pb.ts";
import { WasmSchema } from "../../protos/gen/envoy/extensions/filters/http/wasm/v3/wasm_pb.ts";
import { RouterSchema } from "../../protos/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import {
  HttpConnectionManagerSchema, type HttpConnectionManagerJson, type HttpFilterJson,
} from "../../protos/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { packAny } from "../../protos/json.ts";
import type { PluginUnderTest } from "./plugin.ts";

export interface WasmLogLine {
  level: string;
  message: string;
}

const LEVEL = /\]\[(trace|debug|info|warning|error|critical)\]\[wasm\]/;
const WASM_LOG = / wasm log(?: [^:]*)?: (.*)$/;

export function failurePolicyName(policy: PluginUnderTest["failurePolicy"]): FailurePolicyJson {
  return policy === "fail-open" ? "FAIL_OPEN" : policy === "fail-reload" ? "FAIL_RELOAD" : "FAIL_CLOSED";
}

export function wasmBootstrap(plugin: PluginUnderTest, upstreamPort: number, options: { httpConnectionManager?: HttpConnectionManagerJson } = {}): BootstrapJson {
  const wasm: HttpFilterJson = {
    name: "envoy.filters.http.wasm",
    typed_config: packAny(WasmSchema, {
      config: {
        name: plugin.name,
        root_id: plugin.rootId,
        failure_policy: failurePolicyName(plugin.failurePolicy),
        configuration: packAny(StringValueSchema, plugin.configuration),
        vm_config: {
          vm_id: plugin.vmId,
          runtime: "envoy.wasm.runtime.v8",
          code: { local: { filename: plugin.wasmPath } },
          configuration: packAny(StringValueSchema, plugin.vmConfiguration),
        },
      },
    }),
  };
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: "conformance",
        address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: "envoy.filters.network.http_connection_manager",
            typed_config: packAny(HttpConnectionManagerSchema, {
              stat_prefix: "conformance",
              route_config: {
                name: "conformance-routes",
                virtual_hosts: [{ name: "all", domains: ["*"], routes: [{ name: plugin.routeName, match: { prefix: "/" }, route: { cluster: "upstream", timeout: "5s" } }] }],
              },
              http_filters: [wasm, { name: "envoy.filters.http.router", typed_config: packAny(RouterSchema, {}) }],
              ...options.httpConnectionManager,
            }),
          }],
        }],
      }],
      clusters: [{
        name: "upstream",
        type: "STATIC",
        connect_timeout: "1s",
        load_assignment: { cluster_name: "upstream", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreamPort } } } }] }] },
      }],
    },
  };
}

export class EnvoySide {
  private constructor(readonly envoy: EnvoyProcess, readonly port: number) {}

  static async start(bootstrap: BootstrapJson): Promise<EnvoySide> {
    const envoy = await EnvoyProcess.start({ bootstrap, componentLogLevel: "wasm:trace" });
    try {
      const listeners = JSON.parse(await envoy.admin("/listeners?format=json")) as { listener_statuses: Array<{ local_address: { socket_address: { port_value: number } } }> };
      return new EnvoySide(envoy, listeners.listener_statuses[0]!.local_address.socket_address.port_value);
    } catch (error) {
      await envoy.stop();
      throw error;
    }
  }

  /** The module's log lines so far, in order (Envoy's `wasm log` lines only). */
  wasmLogs(): WasmLogLine[] {
    const out: WasmLogLine[] = [];
    for (const line of this.envoy.lines) {
      const level = LEVEL.exec(line);
      const message = level && WASM_LOG.exec(line);
      if (level && message) out.push({ level: level[1] === "warning" ? "warn" : level[1]!, message: message[1]! });
    }
    return out;
  }

  /**
   * Waits until Envoy's log has at least `expected` module lines (what the host side logged for
   * the same requests) and then stops growing for 1.2 s, 10 s at most: Envoy writes its log in
   * batches, so a line of the last request can come seconds after its response on a busy
   * machine (seen with Envoy 1.40). Fewer lines after the deadline is a real difference.
   */
  async logsSettled(expected = 0): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && this.wasmLogs().length < expected) await new Promise((resolve) => setTimeout(resolve, 50));
    let seen = this.envoy.lines.length;
    let stableSince = Date.now();
    while (Date.now() < deadline && Date.now() - stableSince < 1200) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (this.envoy.lines.length !== seen) {
        seen = this.envoy.lines.length;
        stableSince = Date.now();
      }
    }
  }

  /** A module-defined counter or gauge (undefined when Envoy has none of that name). */
  metric(name: string): Promise<number | undefined> {
    return this.envoy.stat(`wasmcustom.${name}`);
  }

  stat(name: string): Promise<number | undefined> {
    return this.envoy.stat(name);
  }

  stop(): Promise<void> {
    return this.envoy.stop();
  }
}
