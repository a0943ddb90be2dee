// The diagnostics page (served at / on the admin port): renders /debug/overview, refreshes
// every two seconds, and filters everything by the search box. Plain DOM, no framework; each
// render replaces the content, so the filter settings a user expanded are carried over by key.
import type { ClientView, Overview, OverviewRoute } from "../overview.ts";

const REFRESH_MS = 2000;
let latest: Overview | undefined;
/** data-key of every <details> the user opened; survives re-renders and search filtering. */
const expanded = new Set<string>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function matches(query: string, ...texts: Array<string | undefined>): boolean {
  if (!query) return true;
  return texts.some((t) => t?.toLowerCase().includes(query));
}

const shortType = (typeUrl: string) => typeUrl.split(".").pop() ?? typeUrl;

/** True while the proxy runs on older config: the last version we sent of the NACKed type is
 *  the one it rejected (xds_protocol.rst "ACK/NACK": the client keeps its previous version). */
function stillRejecting(c: ClientView): boolean {
  return c.lastNack !== undefined && c.sent?.[c.lastNack.typeUrl] === c.lastNack.version;
}

function routeRow(hostName: string, r: OverviewRoute): HTMLTableRowElement {
  const backends = r.redirect !== undefined ? `redirect ${r.redirect}` : r.backends.map((b) => `${b.cluster} (${b.weight}%)`).join(", ");
  const filters = el("td", {});
  for (const f of r.filters) {
    const details = el("details", { class: "filter", "data-key": `${hostName} ${r.name} ${f.name}` }, el("summary", {}, f.name.replace(/^attache\.wasm\//, "")));
    const hasSettings = f.settings !== undefined && Object.keys(f.settings as object).length > 0;
    details.append(hasSettings ? el("pre", {}, JSON.stringify(f.settings, null, 2)) : el("p", { class: "muted" }, "no per-route settings (filter-wide configuration applies)"));
    filters.append(details);
  }
  return el("tr", { "data-testid": "route", "data-route": r.name },
    el("td", {}, r.name), el("td", {}, r.match), el("td", {}, backends + (r.sticky ? ` · sticky by ${r.sticky}` : "")), filters);
}

function render(): void {
  const root = document.getElementById("content")!;
  const query = (document.getElementById("search") as HTMLInputElement).value.trim().toLowerCase();
  if (!latest) return;
  const o = latest;
  const parts: HTMLElement[] = [];

  // Proxies rejecting the current config matter more than anything the search could find.
  const rejecting = o.clients.filter(stillRejecting);
  if (rejecting.length) {
    parts.push(el("section", { class: "error", "data-testid": "nack-banner" },
      el("strong", {}, `${rejecting.length === 1 ? "1 proxy rejects" : `${rejecting.length} proxies reject`} the current configuration (a proxy keeps its previous version after a NACK)`),
      el("ul", {}, ...rejecting.map((c) => el("li", {}, `${c.id}: ${shortType(c.lastNack!.typeUrl)} ${c.lastNack!.version.slice(0, 8)}: ${c.lastNack!.message}`)))));
  }

  const invalid = o.resources.filter((r) => r.accepted !== "True" && matches(query, r.kind, r.name, ...r.errors));
  const unreadable = o.unreadable.filter((u) => matches(query, u.location, u.message));
  const invalidSection = el("section", { id: "invalid" }, el("h2", {}, `Invalid resources (${invalid.length + unreadable.length})`));
  for (const u of unreadable) {
    invalidSection.append(el("div", { class: "error", "data-testid": "unreadable-document" },
      el("strong", {}, `Unreadable document ${u.location}`), el("ul", {}, el("li", {}, u.message))));
  }
  for (const r of invalid) {
    invalidSection.append(el("div", { class: "error", "data-testid": "invalid-resource" },
      el("strong", {}, `${r.kind} ${r.name}`), ` ${r.reason}${r.location ? ` (${r.location})` : ""}`,
      el("ul", {}, ...r.errors.map((e) => el("li", {}, e)))));
  }
  parts.push(invalidSection);

  const proxies = el("section", { id: "proxies" }, el("h2", {}, `Proxies (${o.clients.length})`));
  const ptable = el("table", {}, el("tr", {}, el("th", {}, "node"), el("th", {}, "protocol"), el("th", {}, "ACKed"), el("th", {}, "last NACK")));
  for (const c of o.clients.filter((c) => matches(query, c.id, c.cluster, c.lastNack?.message))) {
    const acked = Object.entries(c.acked).map(([t, v]) => `${shortType(t)}: ${v.slice(0, 8)}`).join(", ") || "nothing yet";
    ptable.append(el("tr", { "data-testid": "client", class: c.lastNack ? "nack" : "" }, el("td", {}, c.id), el("td", {}, c.protocol), el("td", {}, acked),
      el("td", {}, c.lastNack ? `${shortType(c.lastNack.typeUrl)} ${c.lastNack.version.slice(0, 8)}: ${c.lastNack.message} (${new Date(c.lastNack.at).toLocaleTimeString()})` : "—")));
  }
  proxies.append(ptable);
  parts.push(proxies);

  const hosts = el("section", { id: "hosts" }, el("h2", {}, "Hosts and routes"));
  for (const h of o.hosts) {
    const routes = h.routes.filter((r) => matches(query, h.name, ...h.domains, r.name, r.match, ...r.backends.map((b) => b.cluster), ...r.filters.map((f) => f.name), ...r.sources));
    if (routes.length === 0 && !matches(query, h.name, ...h.domains)) continue;
    const table = el("table", {}, el("tr", {}, el("th", {}, "route"), el("th", {}, "match"), el("th", {}, "backends"), el("th", {}, "filters")));
    for (const r of routes) table.append(routeRow(h.name, r));
    hosts.append(el("div", { class: "host", "data-testid": "host" },
      el("h3", {}, `${h.name} `, el("small", {}, `${h.domains.join(", ")}${h.tls ? " · TLS" : ""} · insecure: ${h.insecure}`)), table));
  }
  parts.push(hosts);

  const filters = el("section", { id: "filters" }, el("h2", {}, "Filters (chain order)"));
  const ftable = el("table", {}, el("tr", {}, el("th", {}, "filter"), el("th", {}, "order"), el("th", {}, "failure policy"), el("th", {}, "module"), el("th", {}, "configuration")));
  for (const f of o.filters.filter((f) => matches(query, f.name, f.module))) {
    const details = el("details", { class: "filter", "data-key": `filter ${f.name}` }, el("summary", {}, "show"), el("pre", {}, JSON.stringify(f.configuration, null, 2)));
    ftable.append(el("tr", { "data-testid": "filter", "data-filter": f.name }, el("td", {}, f.name.replace(/^attache\.wasm\//, "")), el("td", {}, String(f.order)),
      el("td", {}, f.failurePolicy), el("td", {}, f.module), el("td", {}, details)));
  }
  filters.append(ftable);
  parts.push(filters);

  const clusters = el("section", { id: "clusters" }, el("h2", {}, "Clusters"));
  const ctable = el("table", {}, el("tr", {}, el("th", {}, "cluster"), el("th", {}, "discovery"), el("th", {}, "endpoints")));
  for (const c of o.clusters.filter((c) => matches(query, c.name, ...c.endpoints.map((e) => e.address)))) {
    const eps = c.endpoints.length ? c.endpoints.map((e) => `${e.address}${e.ready ? "" : " (not ready)"}`).join(", ") : "none — requests get 503 no healthy upstream";
    ctable.append(el("tr", { "data-testid": "cluster" }, el("td", {}, c.name), el("td", {}, c.discovery), el("td", {}, eps)));
  }
  clusters.append(ctable);
  parts.push(clusters);

  for (const part of parts) {
    for (const d of part.querySelectorAll<HTMLDetailsElement>("details[data-key]")) d.open = expanded.has(d.dataset.key!);
  }
  root.replaceChildren(...parts);
  document.getElementById("updated")!.textContent = `updated ${new Date(o.generatedAt).toLocaleTimeString()}`;
}

async function refresh(): Promise<void> {
  try {
    const res = await fetch("/debug/overview");
    latest = (await res.json()) as Overview;
    render();
  } catch {
    document.getElementById("updated")!.textContent = "control plane unreachable; retrying";
  }
}

document.getElementById("search")!.addEventListener("input", render);
// "toggle" does not bubble: listen in the capture phase for every <details> under #content.
document.getElementById("content")!.addEventListener("toggle", (event) => {
  const details = event.target as HTMLDetailsElement;
  const key = details.dataset.key;
  if (key === undefined) return;
  if (details.open) expanded.add(key);
  else expanded.delete(key);
}, true);
void refresh();
setInterval(refresh, REFRESH_MS);
