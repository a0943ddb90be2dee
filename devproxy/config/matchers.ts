// Request matching with Envoy's semantics (envoy/config/route/v3/route_components.proto:
// RouteMatch, HeaderMatcher, QueryParameterMatcher; envoy/type/matcher/v3/string.proto),
// compiled once per config version. Regexes are RE2 (google_re2), like Envoy: re2js.
import { RE2JS } from "re2js";
import type { HeaderMatcherJson, QueryParameterMatcherJson, RouteMatchJson } from "../../protos/gen/envoy/config/route/v3/route_components_pb.ts";
import type { StringMatcherJson } from "../../protos/gen/envoy/type/matcher/v3/string_pb.ts";

export interface RequestView {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** :authority as the HCM routes on it (absolute-form target's or Host, port stripped). */
  authority: string;
}

const regexCache = new Map<string, RE2JS>();

/** Compiles (and caches) an RE2 pattern; Envoy's safe_regex is a full match. */
export function re2(pattern: string): RE2JS {
  let compiled = regexCache.get(pattern);
  if (!compiled) {
    compiled = RE2JS.compile(pattern);
    regexCache.set(pattern, compiled);
  }
  return compiled;
}

export type StringPredicate = (value: string) => boolean;

/** envoy.type.matcher.v3.StringMatcher. */
export function compileStringMatcher(m: StringMatcherJson, where: string): StringPredicate {
  const ignoreCase = Boolean(m.ignore_case);
  const norm = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  if (m.exact !== undefined) { const want = norm(m.exact); return (v) => norm(v) === want; }
  if (m.prefix !== undefined) { const want = norm(m.prefix); return (v) => norm(v).startsWith(want); }
  if (m.suffix !== undefined) { const want = norm(m.suffix); return (v) => norm(v).endsWith(want); }
  if (m.contains !== undefined) { const want = norm(m.contains); return (v) => norm(v).includes(want); }
  if (m.safe_regex) { const r = re2(m.safe_regex.regex ?? ""); return (v) => r.matches(v); }
  throw new Error(`${where}: unsupported string matcher ${JSON.stringify(m)}`);
}

function headerValue(headers: RequestView["headers"], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(",") : v;
}

/** envoy.config.route.v3.HeaderMatcher. */
export function compileHeaderMatcher(h: HeaderMatcherJson, where: string): (req: RequestView) => boolean {
  const name = h.name ?? "";
  const invert = Boolean(h.invert_match);
  let test: (value: string | undefined) => boolean;
  if (h.present_match !== undefined) test = (v) => (v !== undefined) === Boolean(h.present_match);
  else if (h.string_match) { const p = compileStringMatcher(h.string_match, `${where}.string_match`); test = (v) => v !== undefined && p(v); }
  else if (h.exact_match !== undefined) { const want = h.exact_match; test = (v) => v === want; }
  else if (h.safe_regex_match) { const r = re2(h.safe_regex_match.regex ?? ""); test = (v) => v !== undefined && r.matches(v); }
  else if (h.prefix_match !== undefined) { const want = h.prefix_match; test = (v) => v !== undefined && v.startsWith(want); }
  else if (h.suffix_match !== undefined) { const want = h.suffix_match; test = (v) => v !== undefined && v.endsWith(want); }
  else if (h.contains_match !== undefined) { const want = h.contains_match; test = (v) => v !== undefined && v.includes(want); }
  else test = (v) => v !== undefined; // no specifier: presence
  // Envoy's header map holds HTTP/1's Host as :authority, so both names read it.
  const read = (req: RequestView): string | undefined =>
    name === ":method" ? req.method : name === ":path" ? req.path : name === ":authority" || name === "host" ? req.authority : headerValue(req.headers, name);
  return (req) => test(read(req)) !== invert;
}

/** envoy.config.route.v3.QueryParameterMatcher. */
export function compileQueryMatcher(q: QueryParameterMatcherJson, where: string): (req: RequestView) => boolean {
  const name = q.name ?? "";
  if (q.present_match !== undefined) return (req) => req.query.has(name) === Boolean(q.present_match);
  if (q.string_match) {
    const p = compileStringMatcher(q.string_match, `${where}.string_match`);
    return (req) => { const v = req.query.get(name); return v !== null && p(v); };
  }
  return (req) => req.query.has(name);
}

export interface CompiledRouteMatch {
  test(req: RequestView): boolean;
  /** The matched literal prefix, for prefix_rewrite. */
  prefix?: string;
}

/** envoy.config.route.v3.RouteMatch: path specifier, case sensitivity, headers, query, grpc. */
export function compileRouteMatch(m: RouteMatchJson, where: string): CompiledRouteMatch {
  const caseSensitive = m.case_sensitive === undefined ? true : Boolean(m.case_sensitive);
  const fold = (s: string) => (caseSensitive ? s : s.toLowerCase());
  let pathTest: (path: string) => boolean;
  if (m.prefix !== undefined) { const p = fold(m.prefix); pathTest = (path) => fold(path).startsWith(p); }
  else if (m.path !== undefined) { const p = fold(m.path); pathTest = (path) => fold(path) === p; }
  else if (m.safe_regex) { const r = re2(m.safe_regex.regex ?? ""); pathTest = (path) => r.matches(path); }
  else if (m.path_separated_prefix !== undefined) {
    const p = fold(m.path_separated_prefix);
    pathTest = (path) => { const f = fold(path); return f === p || f.startsWith(`${p}/`); };
  } else throw new Error(`${where}: route match needs prefix, path or safe_regex`);
  const headers = (m.headers ?? []).map((h, i) => compileHeaderMatcher(h, `${where}.headers[${i}]`));
  const query = (m.query_parameters ?? []).map((q, i) => compileQueryMatcher(q, `${where}.query_parameters[${i}]`));
  const grpc = m.grpc !== undefined;
  return {
    prefix: m.prefix,
    test(req) {
      if (!pathTest(req.path)) return false;
      if (grpc && !String(headerValue(req.headers, "content-type") ?? "").startsWith("application/grpc")) return false;
      for (const h of headers) if (!h(req)) return false;
      for (const q of query) if (!q(req)) return false;
      return true;
    },
  };
}

/**
 * Virtual host selection by `domains` (route_components.proto VirtualHost.domains): exact
 * names first, then the longest `*.suffix` wildcard, then the longest `prefix.*`, then `*`.
 */
export class DomainIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly suffixes: Array<[string, T]> = [];
  private readonly prefixes: Array<[string, T]> = [];
  private fallback?: T;

  add(domain: string, value: T, where: string): void {
    const d = domain.toLowerCase();
    if (d === "*") { if (this.fallback === undefined) this.fallback = value; return; }
    if (d.startsWith("*")) this.suffixes.push([d.slice(1), value]);
    else if (d.endsWith("*")) this.prefixes.push([d.slice(0, -1), value]);
    else if (d.includes("*")) throw new Error(`${where}: wildcard only at the start or end of ${domain}`);
    else if (!this.exact.has(d)) this.exact.set(d, value);
    else throw new Error(`${where}: duplicate domain ${domain}`);
  }

  finish(): this {
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
    return this;
  }

  lookup(host: string): T | undefined {
    const h = host.toLowerCase();
    const hit = this.exact.get(h);
    if (hit !== undefined) return hit;
    for (const [suffix, v] of this.suffixes) if (h.endsWith(suffix) && h.length > suffix.length) return v;
    for (const [prefix, v] of this.prefixes) if (h.startsWith(prefix) && h.length > prefix.length) return v;
    return this.fallback;
  }
}
