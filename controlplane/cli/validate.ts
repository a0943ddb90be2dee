// `attache validate <paths...>`: loads the YAML like `attache dev` would, runs the model, and
// lists EVERY problem as `file:line: Kind namespace/name: field.path: message` (exit 1), or
// prints a one-line summary (exit 0). Unresolved references (a Service or Secret that is not in
// the files) count as errors too: in file mode nothing else will provide them.
import type { CommandIo } from "./commands.ts";
import { loadYamlPaths } from "../sources/file/scan.ts";
import { buildModel } from "../model/index.ts";
import { offlineModelOptions } from "./model-options.ts";
import type { SourceLocation } from "../sources/bundle.ts";
import { resolve } from "node:path";

function where(location: SourceLocation | undefined): string {
  if (!location) return "";
  return location.line > 0 ? `${location.file}:${location.line}: ` : `${location.file}: `;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  if (args.length === 0 || args.some((a) => a.startsWith("-"))) {
    io.err("usage: attache validate <files or directories...>\n");
    return 2;
  }
  const bundle = loadYamlPaths(args.map((a) => resolve(io.cwd, a)), io.cwd);
  const { ir, statuses } = buildModel(bundle, offlineModelOptions());
  const lines: string[] = bundle.errors.map((e) => `${where(e.location)}${e.message}`);
  for (const status of statuses) for (const error of status.errors) lines.push(`${where(status.location)}${error}`);
  if (lines.length) {
    io.out(`${lines.join("\n")}\n`);
    const bad = statuses.filter((s) => s.errors.length).length;
    io.err(`attache validate: ${plural(lines.length, "error")} (${plural(bad, "invalid resource")}, ${plural(bundle.errors.length, "unreadable document")})\n`);
    return 1;
  }
  const kinds = new Map<string, number>();
  for (const s of statuses) kinds.set(s.ref.kind, (kinds.get(s.ref.kind) ?? 0) + 1);
  const files = new Set(bundle.resources.map((r) => r.location?.file)).size;
  const routes = ir.virtualHosts.reduce((n, v) => n + v.routes.length, 0);
  const byKind = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ") || "no Attaché resources";
  io.out(`OK: ${plural(statuses.length, "resource")} (${byKind}) in ${plural(files, "file")}: ${plural(routes, "route")} on ${plural(ir.virtualHosts.length, "virtual host")}, ${plural(ir.clusters.length, "cluster")}, ${plural(ir.wasmFilters.length, "Wasm filter")}\n`);
  return 0;
}
