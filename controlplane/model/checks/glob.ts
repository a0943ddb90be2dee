// Hostname globs (Mapping.hostname, Host.hostname): "*", an exact DNS name, "*.suffix" or
// "prefix.*" — the forms Envoy's VirtualHost.domains accepts (one leading or trailing `*`).
import { escapeRe2 } from "./regex.ts";

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/** null when valid, else why not. */
export function checkHostnameGlob(glob: string): string | null {
  if (glob === "*") return null;
  if (glob !== glob.toLowerCase()) return `hostname ${JSON.stringify(glob)} must be lowercase`;
  let name = glob;
  if (glob.startsWith("*.")) name = glob.slice(2);
  else if (glob.endsWith(".*")) name = glob.slice(0, -2);
  if (name.includes("*")) return `invalid hostname glob ${JSON.stringify(glob)}: "*" is only allowed as a whole first or last label ("*.example.com", "example.*")`;
  if (!NAME.test(name) || name.length > 253) return `invalid hostname glob ${JSON.stringify(glob)}: not a DNS name`;
  return null;
}

/** Does glob `pattern` match `name` (which may itself contain a `*`, treated literally)? */
function globMatches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  if (pattern.endsWith(".*")) return name.startsWith(pattern.slice(0, -1)) && name.length > pattern.length - 1;
  return pattern === name;
}

/** Can a request host match both globs? Emissary's hostglob_matches: either covers the other. */
export function globsIntersect(a: string, b: string): boolean {
  return globMatches(a, b) || globMatches(b, a);
}

/** RE2 for the :authority header (with an optional port) matching `glob`, ignoring case as
 *  host names do (RFC 9110 §4.2.3) and as Envoy's VirtualHost.domains matching does: a client
 *  writing `Host: API.EXAMPLE.COM` must not miss a Mapping for api.example.com. */
export function globToAuthorityRegex(glob: string): string {
  let body: string;
  if (glob.startsWith("*.")) body = `[^.:]+(\\.[^.:]+)*${escapeRe2(glob.slice(1))}`;
  else if (glob.endsWith(".*")) body = `${escapeRe2(glob.slice(0, -1))}[^:]+`;
  else body = escapeRe2(glob);
  return `(?i)^${body}(:[0-9]+)?$`;
}
