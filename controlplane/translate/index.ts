// translate: GatewayIR -> Envoy xDS resources (docs/design.md). A pure function: no
// I/O, no clock, no randomness; the same IR gives the same resources in the same order.
// Per-object caches (memo.ts) make re-translation after a small change cost ~one virtual
// host; unchanged resources come back as the same objects (===).
import type { GatewayIR } from "../ir/types.ts";
import { translateCluster } from "./clusters.ts";
import { translateProxyless } from "./proxyless/index.ts";
import { httpFilters } from "./hcm.ts";
import { HTTP_FILTER_TABLE } from "./httpfilters.ts";
import { httpListener, httpsListener } from "./listeners.ts";
import { emptyResources, HTTP_LISTENER, HTTP_ROUTE_CONFIG, HTTPS_LISTENER, TYPE, type ResourceJson, type XdsResources } from "./resources.ts";
import type { ResourceTypeUrl } from "../../protos/type-urls.ts";
import { httpRouteLayout, scopedRouteConfiguration, scopesFor } from "./scopedroutes.ts";
import { translateSecret } from "./secrets.ts";
import { httpRouteConfiguration, translateVirtualHost } from "./virtualhosts.ts";

export { TYPE, SHORT_TYPE_NAMES, type XdsResources } from "./resources.ts";
export { irProblems } from "./consistency.ts";

/** Adds a resource unless one of that name exists (first wins; irProblems() reports it). */
function put<U extends ResourceTypeUrl>(out: XdsResources, typeUrl: U, name: string, resource: ResourceJson<U>): void {
  const map: Map<string, ResourceJson<U>> = out[typeUrl];
  if (!map.has(name)) map.set(name, resource);
}

export function translate(ir: GatewayIR): XdsResources {
  const steps = translateSteps(ir);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Pauses every this many virtual hosts. */
const VHOSTS_PER_STEP = 64;

/** `translate` as steps: it pauses (yields) every few dozen virtual hosts and between the
 *  listeners, so a caller can let its event loop turn (runner/slices.ts). */
export function* translateSteps(ir: GatewayIR): Generator<void, XdsResources, void> {
  const out = emptyResources();
  const filters = httpFilters(ir);

  const translatedHosts: ReturnType<typeof translateVirtualHost>[] = [];
  for (const vhost of ir.virtualHosts) {
    if (translatedHosts.length % VHOSTS_PER_STEP === VHOSTS_PER_STEP - 1) yield;
    translatedHosts.push(translateVirtualHost(vhost));
  }
  const httpVhosts = translatedHosts.map((t) => t.http);
  const layout = httpRouteLayout(httpVhosts);
  yield;

  put(out, TYPE.listener, HTTP_LISTENER, httpListener(ir, filters, layout));
  yield;
  const https = httpsListener(ir, filters);
  if (https) put(out, TYPE.listener, HTTPS_LISTENER, https);
  yield;

  if (layout === "rds") put(out, TYPE.routeConfiguration, HTTP_ROUTE_CONFIG, httpRouteConfiguration(httpVhosts));
  else {
    let count = 0;
    for (const vhost of httpVhosts) {
      if (++count % VHOSTS_PER_STEP === 0) yield;
      const routeConfig = scopedRouteConfiguration(vhost);
      put(out, TYPE.routeConfiguration, routeConfig.name, routeConfig);
      for (const scope of scopesFor(vhost)) put(out, TYPE.scopedRouteConfiguration, scope.name, scope);
    }
  }
  for (const { https } of translatedHosts) if (https?.name) put(out, TYPE.routeConfiguration, https.name, https);

  for (const cluster of ir.clusters) {
    const translated = translateCluster(cluster);
    put(out, TYPE.cluster, cluster.name, translated.cluster);
    if (translated.loadAssignment) put(out, TYPE.clusterLoadAssignment, cluster.name, translated.loadAssignment);
  }

  for (const secret of ir.secrets) put(out, TYPE.secret, secret.name, translateSecret(secret));

  for (const feature of HTTP_FILTER_TABLE) feature.patchResources(ir, out);

  // Proxyless gRPC clients (proxyless/): their own Listeners (named by authority), route
  // configurations and clusters under the attache-grpc/ prefix, beside Envoy's.
  const proxyless = translateProxyless(ir);
  for (const typeUrl of Object.values(TYPE)) {
    for (const [name, resource] of proxyless[typeUrl]) put(out, typeUrl, name, resource);
  }
  return out;
}
