// AuthService: external authorization with Emissary's semantics, carried out by the built-in
// auth filter's HTTP callout (DESIGN.md "CRDs", reference/emissary.md "AuthService").
import { Type, type Static, Obj, Str, Bool, Duration, StrList, resourceSchema, Matching } from "./schema-kit.ts";
import { SERVICE } from "./names.ts";

export const AuthServiceSpec = Obj("External authorization for every Mapping of the selected Hosts (except bypassAuth ones).", {
  service: Matching("Auth service: name[.namespace][:port] or an http(s)://host:port URL (file mode).", SERVICE, "must be name[.namespace][:port] of a Service, or an http(s)://host:port URL", { modelChecked: true }),
  pathPrefix: Type.Optional(Str('Prepended to the request path in the auth request, e.g. "/check". Default "".', { pattern: "^(/.*)?$" })),
  allowedRequestHeaders: Type.Optional(StrList("Request headers sent to the auth service (besides Authorization, Cookie, From, Proxy-Authorization, User-Agent, X-Forwarded-*).")),
  allowedAuthorizationHeaders: Type.Optional(StrList("Auth response headers copied onto the upstream request on 2xx.")),
  timeout: Type.Optional(Duration('Callout timeout, at most 60s. Default "5s" (Emissary timeout_ms 5000).')),
  failureModeAllow: Type.Optional(Bool("Allow requests when the auth service cannot be reached. Default false.")),
  hosts: Type.Optional(StrList("Hosts ([namespace/]name) this applies to; default every Host (and the implicit catch-all).")),
}, { required: ["service"] });

export const AuthServiceResource = resourceSchema("AuthService", AuthServiceSpec);
export type AuthServiceSpec = Static<typeof AuthServiceSpec>;
export type AuthService = Static<typeof AuthServiceResource>;
