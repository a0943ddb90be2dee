// Reads YAML files from paths (files or directories, recursively) into an immutable bundle.
// Files whose size and mtime did not change since the last scan are not re-read, and files
// whose text did not change keep their parsed objects, so the model sees identical objects
// for unchanged resources (structural sharing).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { BundleResource, ResourceBundle, SourceError } from "../bundle.ts";
import { parseYamlDocuments, type ParsedFile } from "./parse.ts";

const YAML_FILE = /\.ya?ml$/i;

interface FileState {
  mtimeMs: number;
  size: number;
  text: string;
  parsed: ParsedFile;
}

export class YamlScanner {
  private files = new Map<string, FileState>();
  private revision = 0;
  private last?: ResourceBundle;
  private lastParts: unknown[] = [];

  /** @param displayBase paths in messages are shown relative to this directory. */
  constructor(private readonly paths: string[], private readonly displayBase = process.cwd()) {}

  private listFiles(errors: SourceError[]): string[] {
    const found: string[] = [];
    const walk = (path: string, top: boolean) => {
      let stat;
      try {
        stat = statSync(path);
      } catch {
        if (top) errors.push({ location: { file: this.display(path), line: 0 }, message: "no such file or directory" });
        return;
      }
      if (stat.isDirectory()) {
        for (const entry of readdirSync(path).sort()) if (!entry.startsWith(".")) walk(join(path, entry), false);
      } else if (top || YAML_FILE.test(path)) {
        found.push(path);
      }
    };
    for (const path of this.paths) walk(path, true);
    return [...new Set(found)];
  }

  private display(path: string): string {
    const rel = relative(this.displayBase, path);
    return rel && !rel.startsWith("..") ? rel : path;
  }

  private load(path: string): ParsedFile | SourceError {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      return { location: { file: this.display(path), line: 0 }, message: (error as Error).message };
    }
    const previous = this.files.get(path);
    if (previous && previous.mtimeMs === stat.mtimeMs && previous.size === stat.size) return previous.parsed;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      return { location: { file: this.display(path), line: 0 }, message: (error as Error).message };
    }
    const parsed = previous && previous.text === text ? previous.parsed : parseYamlDocuments(text, this.display(path));
    this.files.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, text, parsed });
    return parsed;
  }

  /** Scan now; returns the previous bundle object when nothing changed. */
  scan(): ResourceBundle {
    const errors: SourceError[] = [];
    const paths = this.listFiles(errors);
    const parts: unknown[] = [...errors.map((e) => `${e.location.file}:${e.message}`)];
    const resources: BundleResource[] = [];
    for (const path of paths) {
      const parsed = this.load(path);
      parts.push(parsed);
      if ("location" in parsed) errors.push(parsed);
      else {
        resources.push(...parsed.resources);
        errors.push(...parsed.errors);
      }
    }
    for (const path of this.files.keys()) if (!paths.includes(path)) this.files.delete(path);
    const unchanged = this.last && parts.length === this.lastParts.length && parts.every((p, i) => p === this.lastParts[i]);
    if (unchanged) return this.last!;
    this.lastParts = parts;
    this.last = Object.freeze({ revision: ++this.revision, resources: Object.freeze(resources), errors: Object.freeze(errors) });
    return this.last;
  }
}

/** One-shot load (attache validate / translate). */
export function loadYamlPaths(paths: string[], displayBase?: string): ResourceBundle {
  return new YamlScanner(paths, displayBase).scan();
}
