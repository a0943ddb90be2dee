// Test-only module: exposes the pure decision of decision.ts to vitest through ESM bindings
// (`npm run build` -> build/filters/template/decision.{wasm,js}), so template.test.ts can
// table-test it directly, without a host.
import { RouteSettings, isValidHeaderName } from "./config";
import { decide, rejectionBody } from "./decision";

/** decide() for settings built from plain arguments; `value` null = header absent. */
export function decideFor(enabled: bool, requiredHeader: string, value: string | null): i32 {
  const settings = new RouteSettings();
  settings.enabled = enabled;
  settings.requiredHeader = requiredHeader;
  return <i32>decide(settings, value);
}

export function rejectionBodyFor(requiredHeader: string): string {
  return rejectionBody(requiredHeader);
}

export function headerNameIsValid(name: string): bool {
  return isValidHeaderName(name);
}
