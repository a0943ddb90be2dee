// Loads Envoy's API protos (shipped inside npm `@grpc/grpc-js-xds` under `deps/`) into one
// protobufjs Root, so every stage encodes and checks against the real Envoy types instead of
// hand-kept copies. Those protos predate Envoy 1.33, so fields newer than them are added at
// runtime below (field numbers from envoyproxy/data-plane-api): protobufjs silently drops
// fields a type does not know.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const depsDir = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
// protobufjs ships google/protobuf/descriptor.proto (imported by the validate annotations).
const protobufjsDir = dirname(require.resolve("protobufjs/package.json"));
const includeDirs = [
  ...["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(depsDir, d)),
  protobufjsDir,
];

/** Every Envoy type the translator, the xDS server and the local data plane use. */
const protoFiles = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/route/v3/route_components.proto",
  "envoy/config/route/v3/scoped_route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/config/core/v3/extension.proto",
  "envoy/config/core/v3/config_source.proto",
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto",
  "envoy/extensions/regex_engines/v3/google_re2.proto",
  "envoy/extensions/transport_sockets/tls/v3/secret.proto",
  "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/http/wasm/v3/wasm.proto",
  "envoy/extensions/filters/http/cors/v3/cors.proto",
  "envoy/extensions/filters/http/fault/v3/fault.proto",
  "envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto",
  "envoy/extensions/filters/http/custom_response/v3/custom_response.proto",
  "envoy/extensions/http/custom_response/local_response_policy/v3/local_response_policy.proto",
  "envoy/type/matcher/v3/status_code_input.proto",
  "envoy/service/auth/v3/external_auth.proto",
  "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto",
  "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/access_loggers/file/v3/file.proto",
  "envoy/extensions/wasm/v3/wasm.proto",
  "envoy/config/route/v3/route_components.proto",
  "google/protobuf/wrappers.proto",
  "google/protobuf/struct.proto",
  "google/protobuf/duration.proto",
  "google/protobuf/any.proto",
  "google/rpc/status.proto",
];

/** Fields newer than the protos in @grpc/grpc-js-xds, added with their upstream numbers. */
function addNewerFields(root: protobuf.Root): void {
  const pluginConfig = root.lookupType("envoy.extensions.wasm.v3.PluginConfig");
  if (!pluginConfig.fields.failure_policy) {
    // data-plane-api envoy/extensions/wasm/v3/wasm.proto: enum FailurePolicy and
    // `FailurePolicy failure_policy = 7;` (Envoy >= 1.30), replacing the deprecated fail_open.
    const failurePolicy = new protobuf.Enum("FailurePolicy", {
      UNSPECIFIED: 0,
      FAIL_RELOAD: 1,
      FAIL_CLOSED: 2,
      FAIL_OPEN: 3,
    });
    (root.lookup("envoy.extensions.wasm.v3") as protobuf.Namespace).add(failurePolicy);
    pluginConfig.add(new protobuf.Field("failure_policy", 7, "envoy.extensions.wasm.v3.FailurePolicy"));
  }
  if (!root.lookup("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog")) {
    // data-plane-api envoy/extensions/access_loggers/stream/v3/stream.proto (Envoy >= 1.19):
    // access logs on Envoy's own stdout without opening a file.
    protobuf.parse(`syntax = "proto3"; package envoy.extensions.access_loggers.stream.v3;
      message StdoutAccessLog { oneof access_log_format { envoy.config.core.v3.SubstitutionFormatString log_format = 1; } }`, root, { keepCase: true });
    root.resolveAll();
  }
}

let cached: protobuf.Root | undefined;

/** The shared Root (loaded once per process; loading takes a few hundred ms). */
export function envoyRoot(): protobuf.Root {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    for (const dir of includeDirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(protoFiles, { keepCase: true, alternateCommentMode: false });
  root.resolveAll();
  addNewerFields(root);
  cached = root;
  return root;
}

/** Looks up a message type by full name (`envoy.config.cluster.v3.Cluster`) or type URL. */
export function envoyType(nameOrTypeUrl: string): protobuf.Type {
  const name = nameOrTypeUrl.startsWith("type.googleapis.com/")
    ? nameOrTypeUrl.slice("type.googleapis.com/".length)
    : nameOrTypeUrl;
  return envoyRoot().lookupType(name);
}
