// Name formats the schemas check at admission (CEL) and in file mode (ajv). Each is the exact
// set the model accepts (model/glob.ts, model/service-ref.ts), so neither side refuses what the
// other takes.
const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS_NAME = `${LABEL}([.]${LABEL})*`;
/** A DNS-1123 subdomain: the names Kubernetes objects have. */
const OBJECT_NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";

/** "*", a DNS name, "*.<name>" or "<name>.*" (Envoy VirtualHost.domains forms). */
export const HOSTNAME_GLOB = `^([*]|([*][.])?${DNS_NAME}|${DNS_NAME}[.][*])$`;
/** A reference to an object by name, optionally namespace/name. */
export const REFERENCE = `^(${LABEL}/)?${OBJECT_NAME}$`;
/** Emissary's name[.namespace][.svc[.cluster.local]][:port], or a scheme://... URL (checked further by the model). */
export const SERVICE = `^([A-Za-z][A-Za-z0-9+.-]*://.+|${LABEL}([.]${LABEL})?([.]svc([.]cluster[.]local)?)?(:[0-9]+)?)$`;
/** An HTTP field name: RFC 9110 token characters. */
export const HEADER_NAME = "^[-!#$%&'*+.^_`|~0-9A-Za-z]+$";
