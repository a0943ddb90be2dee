// Checks of an AuthService beyond its schema.
import type { AuthServiceSpec } from "../../api/authservice.ts";
import type { FieldError } from "../../api/validator.ts";
import { parseGoDurationMs } from "../../api/duration.ts";
import { parseService } from "./service-ref.ts";

export function checkAuthService(spec: AuthServiceSpec, namespace: string): FieldError[] {
  const errors: FieldError[] = [];
  const service = parseService(spec.service, namespace);
  if (typeof service === "string") errors.push({ path: "spec.service", message: service });
  const timeout = spec.timeout ? parseGoDurationMs(spec.timeout) : undefined;
  // The auth filter's callout accepts 1 ms .. 60 s (filters/auth/config.schema.json timeoutMs).
  if (timeout !== undefined && (timeout < 1 || timeout > 60_000)) errors.push({ path: "spec.timeout", message: `${spec.timeout} is outside 1ms..60s` });
  return errors;
}
