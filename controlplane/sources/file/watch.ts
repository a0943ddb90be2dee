// The file source: watches paths (directories recursively) and emits one immutable
// ResourceBundle per debounced batch of changes (default 50 ms), only when something changed.
// fs.watch with `recursive` where the platform supports it (Node >= 20 on Linux, macOS,
// Windows), else stat polling; editors that replace files (write + rename) are covered because
// directories, not files, are watched. A scan that throws (it should not: every file's
// problems become that file's SourceError) keeps the previous resources and reports the error,
// so nothing a file contains can stop the source.
import { watch, statSync, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import type { ResourceBundle } from "../bundle.ts";
import { YamlScanner } from "./scan.ts";

export interface FileSourceOptions {
  debounceMs?: number; // default 50
  /** Force stat polling (also the fallback when fs.watch fails). */
  polling?: boolean;
  pollIntervalMs?: number; // default 500
  displayBase?: string;
}

export class FileSource {
  private scanner: YamlScanner;
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private current?: ResourceBundle;
  private listener?: (bundle: ResourceBundle) => void;
  readonly debounceMs: number;

  constructor(private readonly paths: string[], private readonly options: FileSourceOptions = {}) {
    this.scanner = new YamlScanner(paths, options.displayBase);
    this.debounceMs = options.debounceMs ?? 50;
  }

  /** Emits the first bundle synchronously, then one per change batch. */
  start(listener: (bundle: ResourceBundle) => void): ResourceBundle {
    this.listener = listener;
    this.current = this.safeScan();
    listener(this.current);
    if (!this.options.polling) {
      try {
        for (const path of this.paths) this.watchers.push(this.watchPath(path));
      } catch {
        this.closeWatchers();
      }
    }
    if (this.options.polling || this.watchers.length === 0) {
      this.poller = setInterval(() => this.rescan(), this.options.pollIntervalMs ?? 500);
      this.poller.unref?.();
    }
    return this.current;
  }

  get mode(): "watch" | "poll" {
    return this.poller ? "poll" : "watch";
  }

  private watchPath(path: string): FSWatcher {
    let directory = path;
    let recursive = true;
    try {
      if (!statSync(path).isDirectory()) {
        directory = dirname(path);
        recursive = false;
      }
    } catch {
      directory = dirname(path);
      recursive = false;
    }
    const watcher = watch(directory, { recursive, persistent: false }, () => this.schedule());
    watcher.on("error", () => this.schedule());
    return watcher;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.rescan(), this.debounceMs);
  }

  private rescan(): void {
    this.timer = undefined;
    const bundle = this.safeScan();
    if (bundle !== this.current) {
      this.current = bundle;
      this.listener?.(bundle);
    }
  }

  private safeScan(): ResourceBundle {
    try {
      return this.scanner.scan();
    } catch (error) {
      const previous = this.current;
      return Object.freeze({
        revision: (previous?.revision ?? 0) + 1,
        resources: previous?.resources ?? Object.freeze([]),
        errors: Object.freeze([{ location: { file: this.paths.join(", "), line: 0 }, message: `scan failed, previous files kept: ${(error as Error).message}` }]),
      });
    }
  }

  private closeWatchers(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  stop(): void {
    this.closeWatchers();
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    this.listener = undefined;
  }
}
