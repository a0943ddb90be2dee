// getambassador.io/v3alpha1 Host and AuthService -> their attache.dev/v1alpha1 specs.
import { defined, FieldReader, isObj, msToDuration, stringList, type Obj } from "./fields.ts";

const tlsVersion = (v: unknown): string | undefined => (typeof v === "string" ? v.replace(/^v/, "") : undefined);

export function convertHostSpec(spec: Obj, path: string, warnings: string[], errors: string[]): Obj {
  const f = new FieldReader(spec, path, warnings);
  f.take("ambassador_id");
  const hostname = f.take("hostname");
  if (typeof hostname !== "string") errors.push(`${path}.hostname: required`);
  const secret = f.take("tlsSecret");
  const policy = f.take("requestPolicy");
  const tls = f.take("tls");
  const acme = f.take("acmeProvider");
  // Emissary turns ACME on by default; "none" is how users switch it off.
  if (isObj(acme) && acme.authority !== "none") warnings.push(`${path}.acmeProvider: ACME is not supported (provide tlsSecret, e.g. from cert-manager); ignored`);
  f.drop("tlsContext", "TLSContext resources are not supported (use tls)");
  const insecure = isObj(policy) && isObj(policy.insecure) ? defined({ action: policy.insecure.action, additionalPort: policy.insecure.additionalPort }) : undefined;
  let tlsOut: Obj | undefined;
  if (isObj(tls)) {
    const t = new FieldReader(tls, `${path}.tls`, warnings);
    tlsOut = defined({ minVersion: tlsVersion(t.take("min_tls_version")), maxVersion: tlsVersion(t.take("max_tls_version")), alpn: stringList(t.take("alpn_protocols")) });
    t.warnRest();
  }
  const out = defined({
    hostname,
    tlsSecret: isObj(secret) ? defined({ name: secret.name, namespace: secret.namespace }) : undefined,
    requestPolicy: insecure ? { insecure } : undefined,
    mappingSelector: f.take("mappingSelector") ?? f.take("selector"),
    tls: tlsOut && Object.keys(tlsOut).length ? tlsOut : undefined,
  });
  f.take("selector");
  f.warnRest();
  return out;
}

export function convertAuthServiceSpec(spec: Obj, path: string, warnings: string[], errors: string[]): Obj {
  const f = new FieldReader(spec, path, warnings);
  f.take("ambassador_id");
  const service = f.take("auth_service");
  if (typeof service !== "string") errors.push(`${path}.auth_service: required`);
  const proto = f.take("proto");
  if (proto !== undefined && proto !== "http") errors.push(`${path}.proto: only "http" auth services are supported, got ${JSON.stringify(proto)}`);
  f.drop("add_auth_headers", "extra auth request headers are not supported");
  f.drop("allow_request_body", "sending the request body to the auth service is not supported");
  f.drop("include_body", "sending the request body to the auth service is not supported");
  f.drop("status_on_error", "a custom status on auth errors is not supported");
  const out = defined({
    service,
    pathPrefix: f.take("path_prefix"),
    allowedRequestHeaders: stringList(f.take("allowed_request_headers")),
    allowedAuthorizationHeaders: stringList(f.take("allowed_authorization_headers")),
    timeout: msToDuration(f.take("timeout_ms"), `${path}.timeout_ms`, errors),
    failureModeAllow: f.take("failure_mode_allow"),
  });
  f.warnRest();
  return out;
}
