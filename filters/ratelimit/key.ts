// The bucket key: the route name plus the configured parts, in order. "keyBy" entries:
//   "clientAddress"  — `source.address` without the port (one bucket per client IP)
//   "header:<name>"  — a request header's value, e.g. an API key id, or a claim header the
//                      auth filter wrote (`x-attache-claim-sub`): a claim header is a header
// A missing part counts as the empty string, so every request without the header shares one
// bucket per route (clients cannot dodge the limit by omitting it). Parts are joined with
// "\n", which cannot occur in header values, so ("a", "b\nc") and ("a\nb", "c") differ.
import { RequestView } from "../canary/request-view";
import { headerNameProblem } from "../canary/names";

export class KeyPart {
  /** name "" = client address; otherwise a header name. */
  constructor(public readonly headerName: string) {}
  get isClientAddress(): bool { return this.headerName.length == 0; }
}

export const CLIENT_ADDRESS = "clientAddress";
const HEADER_PREFIX = "header:";

/** Parses a keyBy entry; the error (for the entry's path) goes to `problem[0]`. */
export function parseKeyPart(text: string, problem: string[]): KeyPart | null {
  if (text == CLIENT_ADDRESS) return new KeyPart("");
  if (text.startsWith(HEADER_PREFIX)) {
    const name = text.substring(HEADER_PREFIX.length);
    const bad = headerNameProblem(name);
    if (bad === null) return new KeyPart(name);
    problem.push("header name " + bad);
    return null;
  }
  problem.push("must be \"clientAddress\" or \"header:<name>\", got \"" + text + "\"");
  return null;
}

export function bucketKey(route: string, parts: KeyPart[], request: RequestView): string {
  let key = route;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const value = part.isClientAddress ? request.clientAddress() : request.header(part.headerName);
    key += "\n" + (value !== null ? value : "");
  }
  return key;
}
