// The canary decision for one request, as a pure function of the route's settings and a view
// of the request: which header value to write, which side that means, and whether to set the
// sticky cookie.
//
// Order: the override header (QA), then the configured key sources in order (first present
// and non-empty wins), then — only when no source produced a key and a sticky cookie is
// configured — a new random id, remembered by the cookie so the next request finds it under
// the cookie source. With no key and no sticky cookie the header is not written and Envoy
// picks a cluster at random for that request.
import { cookieValue, stickyCookie } from "./cookies";
import { keyHash64 } from "@attache/proxy-wasm-sdk/hash64";
import { RequestView } from "@attache/proxy-wasm-sdk/request_view";
import { Override, Side, envoySide, overrideValue, parseOverride } from "./selection";

export enum SourceKind {
  Header = 0,
  Cookie = 1,
  ClientAddress = 2,
}

export class KeySource {
  constructor(public readonly kind: SourceKind, public readonly name: string) {}
}

export class StickyCookieSettings {
  constructor(public readonly name: string, public readonly maxAgeSeconds: u32, public readonly secure: bool) {}
}

/** One route's settings after the configuration's defaults were merged in (config.ts). */
export class CanaryRoute {
  constructor(
    /** Request header Envoy's WeightedCluster.header_name reads. */
    public readonly hashHeader: string,
    public readonly sources: KeySource[],
    public readonly canaryWeight: u32,
    public readonly totalWeight: u32,
    /** "" disables the override. */
    public readonly overrideHeader: string,
    public readonly cookie: StickyCookieSettings | null,
  ) {}
}

/** Makes ids for new visitors (the filter: host random bytes; tests: a counter). */
export abstract class IdGenerator {
  abstract newId(): string;
}

export class Assignment {
  constructor(
    /** Decimal u64 for the hash header, or null to leave the header unset. */
    public readonly headerValue: string | null,
    public readonly side: Side,
    public readonly overridden: bool,
    /** Set-Cookie value for the response, or null. */
    public readonly setCookie: string | null,
  ) {}
}

/** The first key the configured sources yield, or null. */
export function findKey(sources: KeySource[], request: RequestView): string | null {
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i];
    let key: string | null = null;
    if (source.kind == SourceKind.Header) {
      key = request.header(source.name);
    } else if (source.kind == SourceKind.Cookie) {
      const header = request.header("cookie");
      if (header !== null) key = cookieValue(header, source.name);
    } else {
      key = request.clientAddress();
    }
    if (key !== null && key.length > 0) return key;
  }
  return null;
}

export function assign(route: CanaryRoute, request: RequestView, ids: IdGenerator): Assignment {
  if (route.overrideHeader.length > 0) {
    const requested = parseOverride(request.header(route.overrideHeader));
    if (requested != Override.None) {
      const value = overrideValue(requested, route.totalWeight);
      return new Assignment(value.toString(), envoySide(value, route.canaryWeight, route.totalWeight), true, null);
    }
  }
  let key = findKey(route.sources, request);
  let setCookie: string | null = null;
  if (key === null) {
    const cookie = route.cookie;
    if (cookie === null) return new Assignment(null, Side.Unassigned, false, null);
    const id = ids.newId();
    setCookie = stickyCookie(cookie.name, id, cookie.maxAgeSeconds, cookie.secure);
    key = id;
  }
  const value = keyHash64(key as string);
  return new Assignment(value.toString(), envoySide(value, route.canaryWeight, route.totalWeight), false, setCookie);
}
