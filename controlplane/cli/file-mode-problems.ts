// How `attache validate` and `attache translate` classify the model's problems in file mode,
// so both commands agree: every error is an error, except a Host's missing TLS Secret, which
// `attache dev` self-signs at start (runner/dev-secrets.ts) and is only a note. The Host is
// then left out of the translated resources (no certificate, no filter chain).
import type { ResourceStatus } from "../model/index.ts";

const MISSING_TLS_SECRET = /: spec\.tlsSecret: Secret \S+ not found$/;

export const MISSING_SECRET_NOTE = "(attache dev self-signs it; in a cluster create the Secret)";

export function isSelfSignedInDev(status: ResourceStatus, error: string): boolean {
  return status.ref.kind === "Host" && MISSING_TLS_SECRET.test(error);
}
