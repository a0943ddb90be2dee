// `attache new filter <name>`: copies filters/template to filters/<name>, renaming the template's
// identifiers so the new filter builds (`npm run build` picks up filters/<name>/index.ts) and its
// tests run against build/filters/<name>.*.wasm straight away.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "filters", "template");

/** Lower-case letters, digits and single dashes, starting with a letter: a directory, a wasm file and a stat prefix. */
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RESERVED = new Set(["sdk", "template"]);
const MAX_NAME_LENGTH = 40;

/** Files copied as text with names replaced; others are copied byte for byte. */
const TEXT_EXTENSIONS = [".ts", ".md", ".json", ".yaml", ".yml", ".txt"];

export class NewFilterError extends Error {}

export function validateFilterName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new NewFilterError(
      `new filter: name '${name}' is invalid: use lower-case letters, digits and dashes, starting with a letter (e.g. my-check)`,
    );
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new NewFilterError(`new filter: name '${name}' is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (RESERVED.has(name)) throw new NewFilterError(`new filter: name '${name}' is reserved`);
}

/** my-check -> MyCheck (class names). */
export function pascalCase(name: string): string {
  return name.split("-").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("");
}

/** my-check -> my_check (metric names). */
export function snakeCase(name: string): string {
  return name.replace(/-/g, "_");
}

/**
 * Replaces the template's names: `Template` in identifiers, `attache_template` in metric names
 * and `template` everywhere else (log prefixes, wasm paths, file names, docs).
 */
export function renameTemplate(text: string, name: string): string {
  return text
    .replace(/Template/g, pascalCase(name))
    .replace(/attache_template/g, `attache_${snakeCase(name)}`)
    .replace(/template/g, name);
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith(".") || entry === "node_modules") continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) listFiles(full, out);
    else out.push(full);
  }
  return out;
}

/**
 * Adds the template filter to an existing filter project (this repository, or one made with
 * `--dir`) as `<destRoot>/filters/<name>`, and returns the created files, relative to destRoot
 * with forward slashes. Throws NewFilterError for a bad name, an existing directory, or a
 * project without the SDK package the filter imports.
 */
export function newFilter(name: string, destRoot: string, templateDir: string = TEMPLATE_DIR): string[] {
  validateFilterName(name);
  const sdk = join(destRoot, "node_modules", "@attache", "proxy-wasm-sdk");
  if (!existsSync(sdk)) {
    throw new NewFilterError(
      `new filter: ${sdk} not found; run this in a filter project after \`npm install\` (the filter imports @attache/proxy-wasm-sdk), or start a new project with --dir <path>`,
    );
  }
  return copyTemplate(name, destRoot, templateDir);
}

/** Copies the template's files to `<destRoot>/filters/<name>` with the names replaced. */
export function copyTemplate(name: string, destRoot: string, templateDir: string = TEMPLATE_DIR): string[] {
  const target = join(destRoot, "filters", name);
  if (existsSync(target)) {
    throw new NewFilterError(`new filter: ${relative(process.cwd(), target) || target} already exists; choose another name or remove it`);
  }
  if (!existsSync(templateDir)) throw new NewFilterError(`new filter: template ${templateDir} not found`);

  const created: string[] = [];
  for (const source of listFiles(templateDir)) {
    const rel = relative(templateDir, source);
    const destination = join(target, renameTemplate(rel, name));
    mkdirSync(dirname(destination), { recursive: true });
    if (TEXT_EXTENSIONS.some((ext) => source.endsWith(ext))) {
      writeFileSync(destination, renameTemplate(readFileSync(source, "utf8"), name));
    } else {
      writeFileSync(destination, readFileSync(source));
    }
    created.push(relative(destRoot, destination).split(sep).join("/"));
  }
  return created;
}
