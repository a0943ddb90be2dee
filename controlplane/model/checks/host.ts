// Checks of a Host beyond its schema.
import type { HostSpec } from "../../api/host.ts";
import type { FieldError } from "../../api/validator.ts";
import { checkHostnameGlob } from "./glob.ts";

export function checkHost(spec: HostSpec, httpPort: number): FieldError[] {
  const errors: FieldError[] = [];
  const hostnameError = checkHostnameGlob(spec.hostname);
  if (hostnameError) errors.push({ path: "spec.hostname", message: hostnameError });
  else if (spec.hostname.endsWith(".*")) errors.push({ path: "spec.hostname", message: `a Host hostname cannot end in ".*" (TLS server names need a suffix wildcard)` });
  const port = spec.requestPolicy?.insecure?.additionalPort;
  if (port !== undefined && port !== -1 && port !== httpPort) {
    errors.push({ path: "spec.requestPolicy.insecure.additionalPort", message: `${port} is not the HTTP listener port ${httpPort} (use ${httpPort} or -1)` });
  }
  if (port === 0) errors.push({ path: "spec.requestPolicy.insecure.additionalPort", message: "port 0 is not valid" });
  const tls = spec.tls;
  if (tls && !spec.tlsSecret) errors.push({ path: "spec.tls", message: "tls settings need spec.tlsSecret" });
  if (tls?.minVersion && tls.maxVersion && tls.minVersion > tls.maxVersion) {
    errors.push({ path: "spec.tls", message: `minVersion ${tls.minVersion} is above maxVersion ${tls.maxVersion}` });
  }
  return errors;
}
