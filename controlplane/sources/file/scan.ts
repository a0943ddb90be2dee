// Reads YAML files from paths (files or directories, recursively) into an immutable bundle.
// Files whose size and mtime did not change since the last scan are not re-read, and files
// whose text did not change keep their parsed objects, so the model sees identical objects
// for unchanged resources (structural sharing). Only regular files are read, opened without
// blocking (a FIFO nobody writes would otherwise hang the open) and only up to the size limit.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { BundleResource, ResourceBundle, SourceError } from "../bundle.ts";
import { parseYamlDocuments, type ParsedFile } from "./parse.ts";
import { MAX_FILE_BYTES } from "./limits.ts";
export { MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES } from "./limits.ts";

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
      text = readRegularFile(path);
    } catch (error) {
      return { location: { file: this.display(path), line: error instanceof InvalidUtf8 ? error.line : 0 }, message: (error as Error).message };
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

/** The file's text; throws for anything but a regular file within MAX_FILE_BYTES. The check
 *  is on the opened descriptor, so a file swapped for a FIFO after stat() is still refused. */
function readRegularFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error("not a regular file (only regular YAML files are read)");
    if (stat.size > MAX_FILE_BYTES) throw new Error(`${stat.size} bytes is over the ${MAX_FILE_BYTES}-byte file limit`);
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return decodeUtf8(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

class InvalidUtf8 extends Error {
  constructor(readonly line: number) { super("not valid UTF-8"); }
}

/** YAML is Unicode text (YAML 1.2 §5.2): bytes that are not UTF-8 are an error at their line,
 *  never replaced with U+FFFD (which would change names and values without a word). */
function decodeUtf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline < 0 ? bytes.length : newline;
      try { strictUtf8.decode(bytes.subarray(start, end)); } catch { break; }
      start = end + 1;
    }
    throw new InvalidUtf8(line);
  }
}

/** One-shot load (attache validate / translate). */
export function loadYamlPaths(paths: string[], displayBase?: string): ResourceBundle {
  return new YamlScanner(paths, displayBase).scan();
}
