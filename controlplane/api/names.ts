// Name formats the schemas check at admission (CEL) and in file mode (ajv). Each takes every
// value the model accepts (model/checks/glob.ts, model/checks/service-ref.ts), so admission never refuses what
// the model takes; SERVICE leaves port ranges and name lengths to the model.
const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS_NAME = `${LABEL}([.]${LABEL})*`;
/** A DNS-1123 subdomain: the names Kubernetes objects have. */
const OBJECT_NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

/** "*", a DNS name, "*.<name>" or "<name>.*" (Envoy VirtualHost.domains forms). */
export const HOSTNAME_GLOB = `^([*]|([*][.])?${DNS_NAME}|${DNS_NAME}[.][*])$`;
/** A reference to an object by name, optionally namespace/name. */
export const REFERENCE = `^(${LABEL}/)?${OBJECT_NAME}$`;
const IPV6 = "[0-9A-Fa-f]*:[0-9A-Fa-f:.]*";
const HOST_PORT = `([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?([.][A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*[.]?|\\[${IPV6}\\])(:[0-9]*)?|${IPV6}`;
/** Emissary's service: [http(s)://]host[:port], host a Service name[.namespace], a DNS name or
 *  an IP (model/checks/service-ref.ts); the model checks port ranges and name lengths. */
export const SERVICE = `^(${HOST_PORT}|[Hh][Tt][Tt][Pp][Ss]?://(${HOST_PORT})/?)$`;
/** An HTTP field name: RFC 9110 token characters. */
export const HEADER_NAME = "^[-!#$%&'*+.^_`|~0-9A-Za-z]+$";
/** A header a route matches on: a field name or an HTTP/2 pseudo-header such as ":authority"
 *  (envoy/config/route/v3/route.proto HeaderMatcher; `attache convert` writes Emissary's
 *  host_regex and method_regex as such matches). */
export const MATCH_HEADER_NAME = "^:?[-!#$%&'*+.^_`|~0-9A-Za-z]+$";
