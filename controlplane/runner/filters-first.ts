// Make-before-break for new HTTP filters. A route that enables a filter must not reach a proxy
// before the filter is in that proxy's HTTP filter chain: Envoy shares one route table between
// a listener and the updated listener that is still warming (waiting for the new filter's ECDS
// config), so the old listener, whose chain lacks the filter, serves the new route without it
// — a FailClosed auth route answered 200 without credentials. So when a translation brings
// filters the proxies do not run yet, it is published in two steps: first everything but the
// route tables (the listener with the new filters, their ECDS configs, clusters), and once
// every connected proxy has ACKed that, the route tables too (xDS protocol, "eventual
// consistency considerations": add what is referenced before what references it).
import type { XdsServer } from "../xds/server.ts";
import type { XdsResources } from "../translate/index.ts";
import { TYPE_URL } from "../../protos/type-urls.ts";
import type { RouteConfigurationJson } from "../../protos/gen/envoy/config/route/v3/route_pb.ts";
import { clientsConverged } from "./xds-state.ts";

/** How long the route tables wait for proxies that do not ACK the filters (a NACK, a hung
 *  proxy): then they are sent anyway, as without this step. */
const MAX_HOLD_MS = 5000;

export class FiltersFirstPublisher {
  /** ECDS filter names every connected proxy has ACKed in a published snapshot. */
  private running = new Set<string>();
  private latest?: XdsResources;
  /** The route tables last handed to the xDS server. */
  private routes?: Map<string, RouteConfigurationJson>;
  private hold?: { timer: NodeJS.Timeout; poll: NodeJS.Timeout; check: () => void };

  constructor(private readonly xds: XdsServer, private readonly maxHoldMs = MAX_HOLD_MS) {}

  /** True while route tables are held back for filters the proxies do not run yet. */
  holding(): boolean {
    return this.hold !== undefined;
  }

  publish(resources: XdsResources): void {
    this.latest = resources;
    const filters = resources[TYPE_URL.typedExtensionConfig] ?? new Map();
    const fresh = [...filters.keys()].some((name) => !this.running.has(name));
    // No proxy yet: nothing serves old routes, so nothing can run a route without its filter.
    if (!fresh || this.xds.clients().length === 0) {
      this.release();
      this.send(resources);
      this.running = this.xds.clients().length ? new Set(filters.keys()) : new Set();
      return;
    }
    if (this.hold) {
      // Already waiting: this newer translation's filters go out now, its routes after.
      this.send(this.withoutNewRoutes(resources));
      return;
    }
    const since = performance.now();
    this.send(this.withoutNewRoutes(resources));
    const check = () => {
      if (!clientsConverged(this.xds, since)) return;
      this.running = new Set((this.latest?.[TYPE_URL.typedExtensionConfig] ?? new Map()).keys());
      this.finish();
    };
    const poll = setInterval(check, 20);
    const timer = setTimeout(() => { this.running = new Set((this.latest?.[TYPE_URL.typedExtensionConfig] ?? new Map()).keys()); this.finish(); }, this.maxHoldMs);
    this.hold = { timer, poll, check };
    this.xds.on("ack", check);
  }

  close(): void {
    this.release();
  }

  /** The route tables the proxies have now, with everything else from `resources`. Route
   *  scopes (SRDS, translate/scopedroutes.ts) go out in the first step: a scope only names a
   *  route table and enables no filter, and a held table stays as the proxies have it. */
  private withoutNewRoutes(resources: XdsResources): XdsResources {
    return { ...resources, [TYPE_URL.routeConfiguration]: this.routes ?? new Map() };
  }

  private send(resources: XdsResources): void {
    this.routes = resources[TYPE_URL.routeConfiguration];
    this.xds.setResources(resources);
  }

  private finish(): void {
    this.release();
    if (!this.latest) return;
    this.publish(this.latest);
    // The routes' snapshot exists from now on, so whoever waits for proxies to converge on the
    // latest translation waits for these routes too.
    this.xds.cache.flush();
  }

  private release(): void {
    if (!this.hold) return;
    clearTimeout(this.hold.timer);
    clearInterval(this.hold.poll);
    this.xds.off("ack", this.hold.check);
    this.hold = undefined;
  }
}
