// RE2 checks. Envoy compiles every safe_regex with Google RE2, which rejects lookaround and
// backreferences that a JavaScript RegExp accepts (re2js implements RE2's syntax in JS), and
// refuses a program larger than its limit (re2-program-size.ts), which would NACK the whole
// RouteConfiguration. A pattern that passes here is one Envoy accepts. Results are cached by
// pattern (10,000 Mappings often share a handful of patterns).
import { RE2JS } from "re2js";
import { re2ProgramSize, RE2_MAX_PROGRAM_SIZE } from "./re2-program-size.ts";

const cache = new Map<string, string | null>();

/** null when the pattern is valid RE2, else the reason. */
export function re2Error(pattern: string): string | null {
  let result = cache.get(pattern);
  if (result === undefined) {
    try {
      RE2JS.compile(pattern);
      const size = re2ProgramSize(pattern);
      result = size > RE2_MAX_PROGRAM_SIZE
        ? `RE2 program size ${size} is over the limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy refuses larger regexes; simplify it, e.g. fewer or smaller repetitions)`
        : null;
    } catch (error) {
      result = (error as Error).message.replace(/^error parsing regexp: /, "");
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(pattern, result);
  }
  return result;
}

export function checkRegex(pattern: string): string | null {
  const error = re2Error(pattern);
  return error === null ? null : `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${error}`;
}

export function escapeRe2(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}
