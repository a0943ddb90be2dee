// The bucket key: the route name plus the configured parts, in order. "keyBy" entries:
//   "clientAddress"  — `source.address` without the port (one bucket per client IP)
//   "header:<name>"  — a request header's value, e.g. an API key id, or a claim header the
//                      auth filter wrote (`x-attache-claim-sub`): a claim header is a header
// A missing part counts as the empty string, so every request without the header shares one
// bucket per route (clients cannot dodge the limit by omitting it). Parts are joined with
// "\n", which cannot occur in header values, so ("a", "b\nc") and ("a\nb", "c") differ.
// Per request only the key's 64-bit fingerprint is needed (buckets.ts): bucketFingerprint hashes
// the parts as they come, without building the key string.
import { RequestView } from "../canary/request-view";
import { headerNameProblem } from "../canary/names";
import { FNV1A64_START, fmix64, fnv1a64Append } from "../canary/hash";

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

/** A part's value in this request; a missing header or address counts as "". */
function partValue(part: KeyPart, request: RequestView): string {
  const value = part.isClientAddress ? request.clientAddress() : request.header(part.headerName);
  return value !== null ? value : "";
}

export function bucketKey(route: string, parts: KeyPart[], request: RequestView): string {
  let key = route;
  for (let i = 0; i < parts.length; i++) key += "\n" + partValue(parts[i], request);
  return key;
}

/** keyHash64(bucketKey(route, parts, request)), computed without building the key. */
export function bucketFingerprint(route: string, parts: KeyPart[], request: RequestView): u64 {
  let hash = fnv1a64Append(FNV1A64_START, route);
  for (let i = 0; i < parts.length; i++) hash = fnv1a64Append(fnv1a64Append(hash, "\n"), partValue(parts[i], request));
  return fmix64(hash);
}
