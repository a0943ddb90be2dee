// `npm run bench -- author`: a filter author's first day, timed outside this repository —
// install the CLI from its tarball, `attache new filter --dir`, the project's `npm install`
// (the SDK and host from their tarballs, the rest from the registry), the first `npm test`
// (first build included) — and then the edit-build loop: `attache-filter-build` after a change
// to the filter, against `asc` compiling the same two targets directly, in the same run.
import { execFile } from "node:child_process";
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
    const asc = join(project, "node_modules", ".bin", "asc");
    const tool = join(project, "node_modules", ".bin", "attache-filter-build");
    const buildTool: number[] = [];
    const ascDirect: number[] = [];
    for (let round = 0; round < BUILD_ROUNDS; round++) {
      appendFileSync(join(project, "filters", "my-check", "index.ts"), `\n// round ${round}\n`);
      buildTool.push(await timed(() => exec(tool, [], { cwd: project, env: cleanEnv })));
      ascDirect.push(await timed(async () => {
        for (const target of ["debug", "release"]) {
          await exec(asc, ["filters/my-check/index.ts", "--config", "asconfig.json", "--target", target, "--outFile", `build/direct.${target}.wasm`], { cwd: project, env: cleanEnv });
        }
      }));
    }
    const ratios = buildTool.map((t, i) => t / ascDirect[i]);
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
      `Edit-build loop, ${BUILD_ROUNDS} rounds, each after a change to the filter (debug + release targets): `
        + `\`attache-filter-build\` median **${median(buildTool).toFixed(2)} s** (goal < 3 s); \`asc\` on the same two targets directly `
        + `${median(ascDirect).toFixed(2)} s; ratio build tool / asc median ${median(ratios).toFixed(2)}.`,
    ].join("\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
