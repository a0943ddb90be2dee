// `npm run bench -- author`: a filter author's first day, timed outside this repository —
// install the CLI from its tarball, `attache new filter --dir`, the project's `npm install`
// (the SDK and host from their tarballs, the rest from the registry), the first `npm test`
// (first build included) — and then the edit-build loop: `npm run build` after a change to the
// filter, against `asc` compiling the same target directly, in the same run.
import { execFile, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cleanEnv, installCli, installProject, npm, packPackages, scaffold } from "../../test/packages/author-project.ts";

const exec = promisify(execFile);
const BUILD_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

async function timed(step: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await step();
  return (performance.now() - started) / 1000;
}

interface Cost { wall: number; cpu: number }

/**
 * Runs a command to its end and returns its wall-clock seconds and the CPU seconds (user + sys)
 * of it and its children, read with bash's `times`: CPU time barely moves when other work shares
 * the machine, wall-clock time does.
 */
async function measured(command: string, args: string[], cwd: string): Promise<Cost> {
  const started = performance.now();
  const { stdout } = await exec("bash", ["-c", '"$@" >/dev/null 2>&1 || exit 1; times', "measured", command, ...args], { cwd, env: cleanEnv });
  const wall = (performance.now() - started) / 1000;
  const children = stdout.trim().split("\n").at(-1) ?? "";
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, [, min, sec]) => sum + Number(min) * 60 + Number(sec), 0);
  return { wall, cpu };
}

/**
 * `attache-filter-build --target release --watch` in `project`: times each rebuild from the
 * edit to the build's summary line, with the compiler kept loaded between builds.
 */
async function watchRebuilds(tool: string, project: string, rounds: number, edit: (round: number) => void): Promise<number[]> {
  const child = spawn(tool, ["--target", "release", "--watch"], { cwd: project, env: cleanEnv, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  let waiting: (() => void) | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
    if (waiting && /build: \d+ built/.test(output)) waiting();
  });
  const nextBuild = () => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no rebuild within 60 s:\n${output}`)), 60_000);
    waiting = () => { clearTimeout(timer); waiting = undefined; output = ""; resolve(); };
  });
  try {
    await new Promise<void>((resolve) => {
      const check = () => (output.includes("watching") ? resolve() : setTimeout(check, 50));
      check();
    });
    output = "";
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const built = nextBuild();
      edit(round);
      await built;
      times.push((performance.now() - started) / 1000);
    }
    return times;
  } finally {
    child.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function run(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), "attache-bench-author-"));
  try {
    mkdirSync(join(work, "packs"));
    const tarballs = await packPackages(join(work, "packs"));
    const project = join(work, "my-check");
    let attache = "";
    const install = await timed(async () => (attache = await installCli(join(work, "tools"), tarballs)));
    const scaffolded = await timed(() => scaffold(attache, "my-check", project, work));
    const projectInstall = await timed(() => installProject(project, tarballs));
    const firstTest = await timed(() => npm(project, "test"));

    // The edit-build loop: each round changes the filter's source, so nothing is up to date.
    // `npm run build` (what ships: the release target) is timed against `asc` compiling that
    // target directly; `npm test`'s build (debug + release + the test module) is timed too.
    const asc = join(project, "node_modules", ".bin", "asc");
    const tool = join(project, "node_modules", ".bin", "attache-filter-build");
    const releaseBuild: Cost[] = [];
    const ascRelease: Cost[] = [];
    const testBuild: Cost[] = [];
    const edit = (round: number, step: string) => appendFileSync(join(project, "filters", "my-check", "index.ts"), `\n// round ${round} ${step}\n`);
    for (let round = 0; round < BUILD_ROUNDS; round++) {
      edit(round, "release");
      releaseBuild.push(await measured("npm", ["run", "build"], project));
      ascRelease.push(await measured(asc, ["filters/my-check/index.ts", "--config", "asconfig.json", "--target", "release", "--outFile", "build/direct.release.wasm"], project));
      edit(round, "test");
      testBuild.push(await measured(tool, [], project));
    }
    const watched = await watchRebuilds(tool, project, BUILD_ROUNDS, (round) => edit(round, "watch"));
    const ratios = releaseBuild.map((cost, i) => cost.wall / ascRelease[i].wall);
    const wall = (costs: Cost[]) => median(costs.map((c) => c.wall)).toFixed(2);
    const cpu = (costs: Cost[]) => median(costs.map((c) => c.cpu)).toFixed(2);
    const total = install + scaffolded + projectInstall + firstTest;
    return [
      "### A filter project outside the repository (`attache new filter --dir`)",
      "",
      "Wall-clock seconds on this machine, packages from `npm pack` of this checkout, everything else from the npm registry.",
      "",
      "| step | seconds |",
      "| --- | --- |",
      `| install the CLI (\`npm install attache\`) | ${install.toFixed(1)} |`,
      `| \`attache new filter my-check --dir my-check\` | ${scaffolded.toFixed(1)} |`,
      `| the project's \`npm install\` | ${projectInstall.toFixed(1)} |`,
      `| first \`npm test\` (first build included) | ${firstTest.toFixed(1)} |`,
      `| **scaffold to first passing test** | **${total.toFixed(1)}** (goal: a newcomer under 10 minutes) |`,
      "",
      `Edit-build loop, ${BUILD_ROUNDS} rounds, each after a change to the filter; medians, wall-clock / CPU (user + sys) seconds:`,
      "",
      "| build | wall s | CPU s |",
      "| --- | --- | --- |",
      `| **one filter: \`npm run build\`** (\`attache-filter-build --target release\`: release module + .sha256, npm's start-up included; goal < 3 s) | **${wall(releaseBuild)}** | ${cpu(releaseBuild)} |`,
      `| \`asc\` on the same target directly (baseline) | ${wall(ascRelease)} | ${cpu(ascRelease)} |`,
      `| one filter, rebuilt by \`attache-filter-build --target release --watch\` (compiler kept loaded; from the edit to the build's summary line) | **${median(watched).toFixed(2)}** | |`,
      `| what \`npm test\` builds first (debug + release + the test module, one worker thread per core) | ${wall(testBuild)} | ${cpu(testBuild)} |`,
      "",
      `\`npm run build\` / \`asc\` wall-clock ratio, median of rounds: ${median(ratios).toFixed(2)}.`,
    ].join("\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
