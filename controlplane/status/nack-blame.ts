// Which resources a proxy's NACK is about. Envoy rejects a whole xDS resource (one
// RouteConfiguration holds every plain-HTTP route), but its error_detail names what it choked
// on: the regex ("regex '/a/[0-9]{600}' RE2 program size of 1209 > max program size of 1000
// ..."), the ECDS filter ("Unable to create Wasm plugin attache.wasm/default/x"), the route or
// virtual host. The resources whose route names, filter names, virtual host names or regexes
// appear in the message are the ones to blame; when none does, every resource in the rejected
// configuration is (the tracker's fallback).
import type { GatewayIR, ResourceRef, RouteIR } from "../ir/types.ts";

function routeRegexes(route: RouteIR): string[] {
  const out: string[] = [];
  if (route.match.regex) out.push(route.match.regex);
  for (const h of route.match.headers) if (h.regex) out.push(h.regex);
  for (const q of route.match.queryParameters) if (q.regex) out.push(q.regex);
  if (route.action.kind === "route" && route.action.regexRewrite) out.push(route.action.regexRewrite.pattern);
  return out;
}

const NAME_CHAR = /[\w./:-]/;

/** `name` appears in the message as a whole name (not as part of a longer one). */
function mentions(message: string, name: string): boolean {
  for (let at = message.indexOf(name); at >= 0; at = message.indexOf(name, at + 1)) {
    const before = message[at - 1] ?? " ";
    const after = message[at + name.length] ?? " ";
    if (!NAME_CHAR.test(before) && !(NAME_CHAR.test(after) && after !== "." && after !== ":")) return true;
  }
  return false;
}

export function blamedResources(ir: GatewayIR | undefined, message: string): ResourceRef[] {
  if (!ir) return [];
  const blamed = new Map<string, ResourceRef>();
  const add = (ref: ResourceRef) => blamed.set(`${ref.kind}/${ref.namespace}/${ref.name}`, ref);
  for (const vhost of ir.virtualHosts) {
    if (vhost.source && mentions(message, vhost.name)) add(vhost.source);
    for (const route of vhost.routes) {
      if (mentions(message, route.name) || routeRegexes(route).some((re) => message.includes(`'${re}'`))) route.sources.forEach(add);
    }
  }
  for (const filter of ir.wasmFilters) if (mentions(message, filter.name)) add(filter.source);
  return [...blamed.values()];
}
