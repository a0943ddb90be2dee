// getambassador.io Host and AuthService -> their attache.dev/v1alpha1 specs.
import { tlsFromContext, secretRef, tlsVersion, type EmissaryContext } from "./context.ts";
import { defined, FieldReader, isObj, isOff, msToDuration, stringList, type Obj } from "./fields.ts";
import { serviceFromEmissary } from "./service.ts";

export function convertHostSpec(spec: Obj, path: string, warnings: string[], errors: string[], ctx: EmissaryContext, namespace: string, notes: string[]): Obj {
  const f = new FieldReader(spec, path, warnings);
  f.take("ambassador_id");
  const hostname = f.take("hostname");
  if (typeof hostname !== "string") errors.push(`${path}.hostname: required`);
  const secret = f.take("tlsSecret");
  const policy = f.take("requestPolicy");
  const tls = f.take("tls");
  const acme = f.take("acmeProvider");
  // Emissary turns ACME on by default; "none" is how users switch it off.
  if (isObj(acme) && acme.authority !== "none" && !isOff(acme)) warnings.push(`${path}.acmeProvider: ACME is not supported (provide tlsSecret, e.g. from cert-manager); ignored`);
  f.drop("previewUrl", "preview URLs are an Ambassador Edge Stack feature");

  let tlsSecret: Obj | undefined = isObj(secret) && typeof secret.name === "string" ? defined({ name: secret.name, namespace: secret.namespace }) : undefined;
  let tlsOut: Obj = {};
  // A TLSContext named by the Host, or one listing its hostname (Emissary's irhost.py rules).
  const contextRef = f.take("tlsContext");
  const byName = isObj(contextRef) && typeof contextRef.name === "string" ? ctx.tlsContexts.get(contextRef.name) : undefined;
  if (isObj(contextRef) && typeof contextRef.name === "string" && !byName) warnings.push(`${path}.tlsContext: TLSContext ${contextRef.name} is not among the converted objects; ignored`);
  const context = byName ?? [...ctx.tlsContexts.values()].find((c) => stringList(c.spec.hosts)?.includes(String(hostname)));
  if (context) {
    const carried = tlsFromContext(context, context.notes.warnings);
    tlsSecret ??= carried.secret;
    tlsOut = { ...carried.tls };
    context.usedBy.push(path.replace(/: spec$/, ""));
    notes.push(`${path}: TLS settings from ${context.ref}`);
  }
  if (isObj(tls)) {
    const t = new FieldReader(tls, `${path}.tls`, warnings);
    const caSecret = t.take("ca_secret");
    Object.assign(tlsOut, defined({
      minVersion: tlsVersion(t.take("min_tls_version")),
      maxVersion: tlsVersion(t.take("max_tls_version")),
      alpn: stringList(t.take("alpn_protocols")),
      caSecret: typeof caSecret === "string" && caSecret ? secretRef(caSecret, namespace) : undefined,
      certRequired: t.take("cert_required") === true ? true : undefined,
    }));
    t.drop("cipher_suites", "cipher suites are Envoy's defaults in Attaché");
    t.drop("ecdh_curves", "ECDH curves are Envoy's defaults in Attaché");
    t.drop("sni", "the Host's hostname is its SNI name");
    t.drop("redirect_cleartext_from", "plain HTTP is redirected per Host (requestPolicy.insecure)");
    t.warnRest();
  }
  const insecure = isObj(policy) && isObj(policy.insecure) ? defined({ action: policy.insecure.action, additionalPort: policy.insecure.additionalPort }) : undefined;
  const out = defined({
    hostname,
    tlsSecret,
    requestPolicy: insecure && Object.keys(insecure).length ? { insecure } : undefined,
    // v2 Hosts call it `selector`.
    mappingSelector: f.take("mappingSelector") ?? f.take("selector"),
    tls: Object.keys(tlsOut).length ? tlsOut : undefined,
  });
  f.take("selector");
  f.warnRest();
  return out;
}

/** The codes our AuthService's statusOnError accepts (api/authservice.ts). */
const STATUS_ON_ERROR = new Set([400, 401, 403, 404, 429, 500, 502, 503, 504]);

export function convertAuthServiceSpec(spec: Obj, path: string, warnings: string[], errors: string[]): Obj {
  const f = new FieldReader(spec, path, warnings);
  f.take("ambassador_id");
  const raw = f.take("auth_service");
  if (typeof raw !== "string") errors.push(`${path}.auth_service: required`);
  const proto = f.take("proto") ?? "http";
  if (proto !== "http" && proto !== "grpc") errors.push(`${path}.proto: must be "http" or "grpc", got ${JSON.stringify(proto)}`);
  const tls = f.take("tls");
  const service = typeof raw === "string" ? serviceFromEmissary(raw, tls === true || (typeof tls === "string" && tls !== ""), `${path}.auth_service`, warnings) : undefined;
  f.drop("add_linkerd_headers", "Linkerd headers are not added by Attaché");
  f.drop("stats_name", "stats are named after the AuthService");
  f.take("protocol_version"); // only v3 exists for Envoy 1.40's ext_authz
  const grpc = proto === "grpc";
  if (!grpc) {
    f.drop("add_auth_headers", "extra auth request headers are not supported for http auth services");
    f.drop("allow_request_body", "sending the request body to an http auth service is not supported");
    f.drop("include_body", "sending the request body to an http auth service is not supported");
    f.drop("status_on_error", "a custom status on auth errors is supported for grpc auth services only");
  } else {
    f.drop("add_auth_headers", "extra auth request headers are not supported");
    f.drop("allow_request_body", "use include_body");
  }
  const include = grpc ? f.take("include_body") : undefined;
  const status = grpc ? f.take("status_on_error") : undefined;
  const out = defined({
    service,
    proto: grpc ? "grpc" : undefined,
    pathPrefix: grpc ? undefined : f.take("path_prefix"),
    allowedRequestHeaders: stringList(f.take("allowed_request_headers")),
    allowedAuthorizationHeaders: stringList(f.take("allowed_authorization_headers")),
    timeout: msToDuration(f.take("timeout_ms"), `${path}.timeout_ms`, errors),
    failureModeAllow: f.take("failure_mode_allow"),
    includeBody: isObj(include) && !isOff(include) ? defined({ maxBytes: include.max_bytes, allowPartial: include.allow_partial }) : undefined,
    statusOnError: isObj(status) && typeof status.code === "number" && STATUS_ON_ERROR.has(status.code) ? status.code : undefined,
  });
  if (isObj(status) && status.code !== undefined && !STATUS_ON_ERROR.has(status.code as number)) {
    warnings.push(`${path}.status_on_error.code: ${JSON.stringify(status.code)} is not one of ${[...STATUS_ON_ERROR].join(", ")}; Envoy's default 403 applies`);
  }
  if (grpc) f.drop("path_prefix", "gRPC auth services are called at envoy.service.auth.v3.Authorization/Check");
  f.warnRest();
  return out;
}
