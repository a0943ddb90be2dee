// AuthService: external authorization with Emissary's semantics: proto http is carried out by
// the built-in auth filter's HTTP callout, proto grpc by Envoy's ext_authz filter calling
// envoy.service.auth.v3.Authorization/Check (docs/design.md "Custom resources",
// docs/emissary.md "AuthService").
import { Type, type Static, Obj, Str, Bool, Int, Enum, Duration, StrList, resourceSchema, Matching } from "./schema-kit.ts";
import { SERVICE } from "./names.ts";

export const AuthServiceSpec = Obj("External authorization for every Mapping of the selected Hosts (except bypassAuth ones).", {
  service: Matching("Auth service, like a Mapping's service: [http(s)://]host[:port].", SERVICE, "must be [http(s)://]host[:port]: a Service name[.namespace], a DNS name or an IP", { modelChecked: true }),
  proto: Type.Optional(Enum('"http" (default): the request is forwarded to the service, 2xx allows; "grpc": Envoy ext_authz calls envoy.service.auth.v3.Authorization/Check over HTTP/2 (the local data plane makes the same call, without the request body).', ["http", "grpc"] as const)),
  includeBody: Type.Optional(Obj("grpc: send the request body (buffered) with the check.", {
    maxBytes: Type.Optional(Int("At most this many bytes. Default 4096.", { minimum: 1 })),
    allowPartial: Type.Optional(Bool("Send the first maxBytes of a larger body instead of answering 413.")),
  })),
  statusOnError: Type.Optional(Int("grpc: status returned when the auth service fails (default 403).", { enum: [400, 401, 403, 404, 429, 500, 502, 503, 504] })),
  pathPrefix: Type.Optional(Str('http: prepended to the request path in the auth request, e.g. "/check". Default "".', { pattern: "^(/.*)?$" })),
  allowedRequestHeaders: Type.Optional(StrList("Request headers sent to the auth service (besides Authorization, Cookie, From, Proxy-Authorization, User-Agent, X-Forwarded-*).")),
  allowedAuthorizationHeaders: Type.Optional(StrList("Auth response headers copied onto the upstream request on 2xx.")),
  timeout: Type.Optional(Duration('Callout timeout, at most 60s. Default "5s" (Emissary timeout_ms 5000).')),
  failureModeAllow: Type.Optional(Bool("Allow requests when the auth service cannot be reached. Default false.")),
  hosts: Type.Optional(StrList("Hosts ([namespace/]name) this applies to; default every Host (and the implicit catch-all).")),
}, { required: ["service"] });

export const AuthServiceResource = resourceSchema("AuthService", AuthServiceSpec);
export type AuthServiceSpec = Static<typeof AuthServiceSpec>;
export type AuthService = Static<typeof AuthServiceResource>;
