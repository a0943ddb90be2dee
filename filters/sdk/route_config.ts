// The `routes` section of a filter's plugin configuration: `{"<namespace>/<mapping>": {...}}`,
// one object per route (ARCHITECTURE.md, "How Wasm filters reach a route"). Every built-in
// filter reads it the same way, so the walk lives here; AssemblyScript has no closures, so it
// returns the entries and the filter resolves each one (defaults, validation) in its own loop.
import { JsonObject } from "./json_view";

/** One entry of `routes`: the route name and its settings object (path `routes["<name>"]`). */
export class RouteConfigEntry {
  constructor(public readonly name: string, public readonly settings: JsonObject) {}
}

/**
 * The objects of `top.routes`, in order, each checked against `allowedFields`. A `null` entry is
 * an error (a route that takes the defaults is written `{}`); a non-object entry is recorded by
 * getObject and skipped.
 */
export function routeConfigEntries(top: JsonObject, allowedFields: string[]): RouteConfigEntry[] {
  const entries = new Array<RouteConfigEntry>();
  const routes = top.getObject("routes");
  if (routes === null) return entries;
  const names = routes.keys();
  for (let i = 0; i < names.length; i++) {
    if (routes.raw(names[i])!.isNull) {
      // getObject reads null as "absent"; a route entry must be an object ({} for defaults).
      routes.errors.add(routes.pathOf(names[i]), "expected an object, got null");
      continue;
    }
    const settings = routes.getObject(names[i]);
    if (settings === null) continue;
    settings.rejectUnknownKeys(allowedFields);
    entries.push(new RouteConfigEntry(names[i], settings));
  }
  return entries;
}
