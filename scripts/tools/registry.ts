// Every external tool a test or benchmark needs, in one table: where it lives once installed
// and how it gets there. Project tools install without root into `.tools/` (git-ignored) by
// `npm run tools`; system tools come from Debian packages, which need root (`.ci/run` installs
// them). Tests look tools up through test/tools.ts, which reads this table, never a path of its own.
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where project tools are installed; ATTACHE_TOOLS_DIR moves it (e.g. to share one between checkouts). */
export const TOOLS_DIR = process.env.ATTACHE_TOOLS_DIR ? resolve(process.env.ATTACHE_TOOLS_DIR) : join(REPO_ROOT, ".tools");

export interface ProjectTool {
  kind: "project";
  name: string;
  /** The pinned version; part of the install folder's name, so a new pin installs beside the old. */
  version: string;
  /** The executable, relative to the tool's install folder. */
  binary: string;
  /** Installs into `dir` (created empty by the caller) and proves the result works, or throws saying why. */
  install(dir: string): Promise<void>;
}

export interface SystemTool {
  kind: "system";
  name: string;
  /** Files that must all exist; the first is the one handed to tests. */
  paths: string[];
  /** Debian packages that provide them. */
  debian: string[];
}

/** A toolchain found on PATH that neither `npm run tools` nor Debian provides in the version
 *  needed (Go: Debian bookworm's is too old). */
export interface PathTool {
  kind: "path";
  name: string;
  /** The command looked up on PATH. */
  command: string;
  /** How to install it, for the skipped-tools line. */
  hint: string;
}

export type Tool = ProjectTool | SystemTool | PathTool;

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

export function installDir(tool: ProjectTool): string {
  return join(TOOLS_DIR, `${tool.name}-${tool.version}`);
}

/** A file written last by a successful install; an interrupted install leaves none and is redone. */
export const INSTALLED_MARKER = ".installed";

/** The tool's executable when it is installed and complete, else undefined. */
export function locate(tool: Tool): string | undefined {
  if (tool.kind === "system") return tool.paths.every((p) => existsSync(p)) ? tool.paths[0] : undefined;
  if (tool.kind === "path") return onPath(tool.command);
  const dir = installDir(tool);
  return existsSync(join(dir, INSTALLED_MARKER)) ? join(dir, tool.binary) : undefined;
}
