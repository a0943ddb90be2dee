// The steps of a filter author's first day, outside this repository, shared by the test that
// proves them (standalone.test.ts) and the benchmark that times them (bench/author): pack this
// repository's three packages, install the CLI in a folder of its own, scaffold a project with
// `attache new filter --dir`, and install its dependencies from the tarballs and the registry.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../scripts/tools/registry.ts";

const exec = promisify(execFile);
const NPM_FLAGS = ["--no-audit", "--no-fund", "--loglevel=error"];

/** This process's environment without vitest's own variables or colours, so a nested vitest starts afresh. */
export const cleanEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|NODE_OPTIONS$|NODE_ENV$|FORCE_COLOR$)/.test(key))),
  NO_COLOR: "1",
};

export async function npm(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec("npm", args, { cwd, maxBuffer: 64 * 1024 * 1024, env: cleanEnv });
  return stdout;
}

export interface Tarballs { cli: string; sdk: string; host: string }

/** `npm pack` of the root (`attache`), filters/sdk and host/ into `out`. */
export async function packPackages(out: string): Promise<Tarballs> {
  const pack = async (dir: string) => {
    // A package's prepack script (build) prints to stdout before npm's JSON report.
    const output = await npm(dir, "pack", "--json", "--pack-destination", out, "--loglevel=error");
    const [info] = JSON.parse(output.slice(output.search(/^\[/m))) as Array<{ filename: string }>;
    return join(out, info.filename);
  };
  return { cli: await pack(REPO_ROOT), sdk: await pack(join(REPO_ROOT, "filters", "sdk")), host: await pack(join(REPO_ROOT, "host")) };
}

/** Installs the CLI tarball into `dir` (created); returns the `attache` executable. */
export async function installCli(dir: string, tarballs: Tarballs): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await npm(dir, "init", "-y");
  await npm(dir, "install", ...NPM_FLAGS, tarballs.cli);
  return join(dir, "node_modules", ".bin", "attache");
}

/** `attache new filter <name> --dir <project>` run from `cwd`. */
export async function scaffold(attache: string, name: string, project: string, cwd: string): Promise<void> {
  await exec(attache, ["new", "filter", name, "--dir", project], { cwd, env: cleanEnv });
}

/** The project's `npm install`, with the two packages taken from their tarballs. */
export async function installProject(project: string, tarballs: Tarballs): Promise<void> {
  await npm(project, "install", ...NPM_FLAGS, tarballs.sdk, tarballs.host);
  await npm(project, "install", ...NPM_FLAGS);
}
