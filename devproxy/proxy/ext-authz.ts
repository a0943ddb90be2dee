// Envoy's ext_authz HTTP filter with a gRPC service (extensions/filters/http/ext_authz/v3),
// for the local data plane: per request one envoy.service.auth.v3.Authorization/Check call
// (service/auth/v3/external_auth.proto) on the filter's cluster over HTTP/2 (@grpc/grpc-js,
// the messages encoded with the generated Envoy types). OK: the response's headers are set on (or
// appended to) the upstream request and headers_to_remove removed; denied: its status
// (default 403), headers and body go to the client; the call failing: failure_mode_allow
// lets the request through, else status_on_error (default 403).
// Not done here: with_request_body (the check is sent without the body) and
// allowed_headers (every request header is sent, as Envoy does without the setting).
import grpc from "@grpc/grpc-js";
import type { AnyJson } from "@bufbuild/protobuf/wkt";
import { protoDurationToMs } from "../../protos/duration.ts";
import type { HeaderValueOptionJson } from "../../protos/gen/envoy/config/core/v3/base_pb.ts";
import { ExtAuthzSchema, type ExtAuthzJson } from "../../protos/gen/envoy/extensions/filters/http/ext_authz/v3/ext_authz_pb.ts";
import { CheckRequestSchema, CheckResponseSchema } from "../../protos/gen/envoy/service/auth/v3/external_auth_pb.ts";
import { StatusCode, type StatusCodeJson } from "../../protos/gen/envoy/type/v3/http_status_pb.ts";
import { decodeMessage, encodeMessage, unpackAny } from "../../protos/json.ts";
import type { Snapshot } from "../config/snapshot.ts";
import { CONTINUE, headerRemove, headerSet, type FilterFactory, type FilterResult, type HeaderPairs, type HttpFilterInstance, type RequestInfo } from "./filters.ts";

export const EXT_AUTHZ_TYPE = `type.googleapis.com/${ExtAuthzSchema.typeName}`;
const CHECK = "/envoy.service.auth.v3.Authorization/Check";

const clients = new Map<string, grpc.Client>();

function clientFor(address: string): grpc.Client {
  let client = clients.get(address);
  if (!client) clients.set(address, (client = new grpc.Client(address, grpc.credentials.createInsecure())));
  return client;
}

/** envoy.type.v3.StatusCode (its JSON is the name) as the HTTP status number. */
function httpStatus(code: StatusCodeJson | undefined, fallback: number): number {
  return (code && StatusCode[code]) || fallback;
}

function applyHeaderOptions(headers: HeaderPairs, options: HeaderValueOptionJson[] | undefined): void {
  for (const option of options ?? []) {
    const key = (option.header?.key ?? "").toLowerCase();
    if (!key) continue;
    const value = option.header?.value ?? "";
    const append = option.append_action === "APPEND_IF_EXISTS_OR_ADD" || option.append === true;
    if (append) headers.push([key, value]);
    else headerSet(headers, key, value);
  }
}

interface ExtAuthzConfig { cluster: string; authority?: string; timeoutMs: number; failureModeAllow: boolean; statusOnError: number }

function compile(typed: ExtAuthzJson): ExtAuthzConfig {
  const grpcService = typed.grpc_service ?? {};
  return {
    cluster: grpcService.envoy_grpc?.cluster_name ?? "",
    authority: grpcService.envoy_grpc?.authority,
    // GrpcService.timeout; Envoy's default when unset is 200 ms.
    timeoutMs: grpcService.timeout ? protoDurationToMs(grpcService.timeout) : 200,
    failureModeAllow: typed.failure_mode_allow === true,
    statusOnError: httpStatus(typed.status_on_error?.code, 403),
  };
}

class ExtAuthzInstance implements HttpFilterInstance {
  constructor(private readonly config: ExtAuthzConfig, private readonly snapshot: Snapshot, private readonly info: RequestInfo) {}

  onRequestHeaders(headers: HeaderPairs): Promise<FilterResult> {
    const cluster = this.snapshot.clusters.get(this.config.cluster);
    const endpoint = cluster?.endpoints[0];
    if (!endpoint) return Promise.resolve(this.failed());
    const [address, port] = splitAddress(this.info.sourceAddress);
    // The stream's map, pseudo-headers included, as Envoy's ext_authz sends it.
    const headerMap: Record<string, string> = {};
    for (const [k, v] of headers) headerMap[k] = headerMap[k] === undefined ? v : `${headerMap[k]},${v}`;
    const q = this.info.path.indexOf("?");
    const request = encodeMessage(CheckRequestSchema, {
      attributes: {
        source: { address: { socket_address: { address, port_value: port } } },
        request: { http: { id: this.info.requestId, method: this.info.method, headers: headerMap, path: this.info.path, host: this.info.host, protocol: this.info.protocol, query: q < 0 ? "" : this.info.path.slice(q + 1) } },
      },
    });
    const options: grpc.CallOptions = { deadline: Date.now() + this.config.timeoutMs };
    if (this.config.authority) (options as Record<string, unknown>).authority = this.config.authority;
    return new Promise((resolve) => {
      clientFor(`${endpoint.host}:${endpoint.port}`).makeUnaryRequest(CHECK, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, Buffer.from(request), new grpc.Metadata(), options, (err, bytes) => {
        if (err || !bytes) return resolve(this.failed());
        const response = decodeMessage(CheckResponseSchema, bytes);
        if ((response.status?.code ?? 0) === 0) {
          applyHeaderOptions(headers, response.ok_response?.headers);
          for (const name of response.ok_response?.headers_to_remove ?? []) headerRemove(headers, name.toLowerCase());
          return resolve(CONTINUE);
        }
        const denied = response.denied_response ?? {};
        const replyHeaders: HeaderPairs = [];
        applyHeaderOptions(replyHeaders, denied.headers);
        resolve({ kind: "reply", reply: { status: httpStatus(denied.status?.code, 403), headers: replyHeaders, body: denied.body ?? "" } });
      });
    });
  }

  private failed(): FilterResult {
    if (this.config.failureModeAllow) return CONTINUE;
    return { kind: "reply", reply: { status: this.config.statusOnError, headers: [], body: "" } };
  }

  onResponseHeaders(): FilterResult {
    return CONTINUE;
  }

  onDone(): void {}
}

function splitAddress(text: string): [string, number] {
  const i = text.lastIndexOf(":");
  return [text.slice(0, i).replace(/^\[|\]$/g, ""), Number(text.slice(i + 1))];
}

const factories = new WeakMap<ExtAuthzJson, WeakMap<Snapshot, FilterFactory>>();

/** The filter of an HCM entry whose typed_config is an ExtAuthz, per config and snapshot. */
export function extAuthzFactory(name: string, typedConfig: AnyJson | undefined, snapshot: Snapshot): FilterFactory | undefined {
  const typed = unpackAny(typedConfig, ExtAuthzSchema);
  if (!typed) return undefined;
  let bySnapshot = factories.get(typed);
  if (!bySnapshot) factories.set(typed, (bySnapshot = new WeakMap()));
  let factory = bySnapshot.get(snapshot);
  if (!factory) {
    const config = compile(typed);
    factory = { name, createInstance: (info) => new ExtAuthzInstance(config, snapshot, info) };
    bySnapshot.set(snapshot, factory);
  }
  return factory;
}
