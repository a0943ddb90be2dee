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
import { readFileSync } from "node:fs";
import { YamlLocator } from "../sources/file/locate.ts";
import { isSelfSignedInDev, MISSING_SECRET_NOTE } from "./file-mode-problems.ts";

function where(location: SourceLocation | undefined): string {
  if (!location) return "";
  return location.line > 0 ? `${location.file}:${location.line}: ` : `${location.file}: `;
}

/** Point at the field the message names ("Kind ns/name: spec.timeout: ..."), when found. */
function fieldLocation(locator: YamlLocator, location: SourceLocation | undefined, message: string): SourceLocation | undefined {
  if (!location || location.line <= 0) return location;
  const path = /^[A-Za-z]+ [^:]+: ([^ :][^:]*?): /.exec(message)?.[1];
  if (!path || path.includes(" ")) return location;
  return { file: location.file, line: locator.line(location.file, location.line, path) };
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
  const found: { location?: SourceLocation; text: string }[] = bundle.errors.map((e) => ({ location: e.location, text: e.message }));
  const locator = new YamlLocator((file) => readFileSync(resolve(io.cwd, file), "utf8"));
  const notes: string[] = [];
  let bad = 0;
  for (const status of statuses) {
    const before = found.length;
    for (const error of status.errors) {
      if (isSelfSignedInDev(status, error)) {
        notes.push(`${where(fieldLocation(locator, status.location, error))}note: ${error} ${MISSING_SECRET_NOTE}`);
        continue;
      }
      found.push({ location: fieldLocation(locator, status.location, error), text: error });
    }
    if (found.length > before) bad++;
  }
  if (notes.length) io.err(`${notes.join("\n")}\n`);
  // In file order, like a compiler (the sort is stable: one resource's errors keep their order).
  found.sort((a, b) => (a.location?.file ?? "").localeCompare(b.location?.file ?? "") || (a.location?.line ?? 0) - (b.location?.line ?? 0));
  const lines = found.map((f) => `${where(f.location)}${f.text}`);
  if (lines.length) {
    io.out(`${lines.join("\n")}\n`);
    io.err(`attache validate: ${plural(lines.length, "error")} (${plural(bad, "invalid resource")}, ${plural(bundle.errors.length, "unreadable document")})\n`);
    return 1;
  }
  const kinds = new Map<string, number>();
  for (const s of statuses) kinds.set(s.ref.kind, (kinds.get(s.ref.kind) ?? 0) + 1);
  const files = new Set(bundle.resources.map((r) => r.location?.file)).size;
  const routes = ir.virtualHosts.reduce((n, v) => n + v.routes.length, 0);
  const byKind = [...kinds].map(([kind, n]) => plural(n, kind)).join(", ") || "no Attaché resources";
  io.out(`OK: ${plural(statuses.length, "resource")} (${byKind}) in ${plural(files, "file")}: ${plural(routes, "route")} on ${plural(ir.virtualHosts.length, "virtual host")}, ${plural(ir.clusters.length, "cluster")}, ${plural(ir.wasmFilters.length, "Wasm filter")}\n`);
  return 0;
}
