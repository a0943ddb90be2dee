// The diagnostics page (served at / on the admin port): renders /debug/overview, refreshes
// every two seconds, and filters everything by the search box. Plain DOM, no framework.
import type { Overview, OverviewRoute } from "../overview.ts";

const REFRESH_MS = 2000;
let latest: Overview | undefined;

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

function routeRow(r: OverviewRoute): HTMLTableRowElement {
  const backends = r.redirect !== undefined ? `redirect ${r.redirect}` : r.backends.map((b) => `${b.cluster} (${b.weight}%)`).join(", ");
  const filters = el("td", {});
  for (const f of r.filters) {
    const details = el("details", { class: "filter" }, el("summary", {}, f.name.replace(/^attache\.wasm\//, "")));
    if (f.settings !== undefined) details.append(el("pre", {}, JSON.stringify(f.settings, null, 2)));
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

  const invalid = o.resources.filter((r) => r.accepted !== "True" && matches(query, r.kind, r.name, ...r.errors));
  const invalidSection = el("section", { id: "invalid" }, el("h2", {}, `Invalid resources (${invalid.length})`));
  for (const r of invalid) {
    invalidSection.append(el("div", { class: "error", "data-testid": "invalid-resource" },
      el("strong", {}, `${r.kind} ${r.name}`), ` ${r.reason}${r.location ? ` (${r.location})` : ""}`,
      el("ul", {}, ...r.errors.map((e) => el("li", {}, e)))));
  }
  parts.push(invalidSection);

  const proxies = el("section", { id: "proxies" }, el("h2", {}, `Proxies (${o.clients.length})`));
  const ptable = el("table", {}, el("tr", {}, el("th", {}, "node"), el("th", {}, "protocol"), el("th", {}, "ACKed"), el("th", {}, "last NACK")));
  for (const c of o.clients.filter((c) => matches(query, c.id, c.cluster, c.lastNack?.message))) {
    const acked = Object.entries(c.acked).map(([t, v]) => `${t.split(".").pop()}: ${v.slice(0, 8)}`).join(", ");
    ptable.append(el("tr", { "data-testid": "client", class: c.lastNack ? "nack" : "" }, el("td", {}, c.id), el("td", {}, c.protocol), el("td", {}, acked),
      el("td", {}, c.lastNack ? `${c.lastNack.typeUrl.split(".").pop()} ${c.lastNack.version.slice(0, 8)}: ${c.lastNack.message}` : "—")));
  }
  proxies.append(ptable);
  parts.push(proxies);

  const hosts = el("section", { id: "hosts" }, el("h2", {}, "Hosts and routes"));
  for (const h of o.hosts) {
    const routes = h.routes.filter((r) => matches(query, h.name, ...h.domains, r.name, r.match, ...r.backends.map((b) => b.cluster), ...r.filters.map((f) => f.name), ...r.sources));
    if (routes.length === 0 && !matches(query, h.name, ...h.domains)) continue;
    const table = el("table", {}, el("tr", {}, el("th", {}, "route"), el("th", {}, "match"), el("th", {}, "backends"), el("th", {}, "filters")));
    for (const r of routes) table.append(routeRow(r));
    hosts.append(el("div", { class: "host", "data-testid": "host" },
      el("h3", {}, `${h.name} `, el("small", {}, `${h.domains.join(", ")}${h.tls ? " · TLS" : ""} · insecure: ${h.insecure}`)), table));
  }
  parts.push(hosts);

  const clusters = el("section", { id: "clusters" }, el("h2", {}, "Clusters"));
  const ctable = el("table", {}, el("tr", {}, el("th", {}, "cluster"), el("th", {}, "discovery"), el("th", {}, "endpoints")));
  for (const c of o.clusters.filter((c) => matches(query, c.name, ...c.endpoints.map((e) => e.address)))) {
    const eps = c.endpoints.length ? c.endpoints.map((e) => `${e.address}${e.ready ? "" : " (not ready)"}`).join(", ") : "none — requests get 503 no healthy upstream";
    ctable.append(el("tr", { "data-testid": "cluster" }, el("td", {}, c.name), el("td", {}, c.discovery), el("td", {}, eps)));
  }
  clusters.append(ctable);
  parts.push(clusters);

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
void refresh();
setInterval(refresh, REFRESH_MS);
