// `npm run tools [-- name ...]`: installs the pinned project tools into .tools/ (no root), each
// verified before it counts as installed, and reports the Debian packages still missing.
// Already-installed tools are left alone, so running it again is cheap.
// `npm run tools -- --missing-debian` only prints the Debian packages of the system tools that
// are missing, space-separated, for `apt-get install` (.ci/run uses it).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { INSTALLED_MARKER, installDir, locate, type ProjectTool } from "./registry.ts";
import { TOOLS, toolNamed } from "./tools.ts";

const args = process.argv.slice(2);
if (args[0] === "--missing-debian") {
  const packages = TOOLS.flatMap((t) => (t.kind === "system" && !locate(t) ? t.debian : []));
  console.log([...new Set(packages)].join(" "));
  process.exit(0);
}
const wanted = args.map(toolNamed);
const selected = wanted.length ? wanted : TOOLS;
let failed = false;

for (const tool of selected) {
  if (tool.kind !== "project") continue;
  if (locate(tool)) {
    console.log(`tools: ${tool.name} ${tool.version} already installed`);
    continue;
  }
  const started = Date.now();
  console.log(`tools: installing ${tool.name} ${tool.version} ...`);
  try {
    await installFresh(tool);
    console.log(`tools: ${tool.name} ${tool.version} installed and verified in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    failed = true;
    console.error(`tools: ${tool.name} ${tool.version} FAILED: ${(err as Error).message}`);
  }
}

const missingSystem = selected.filter((t) => t.kind === "system" && !locate(t));
if (missingSystem.length) {
  const packages = [...new Set(missingSystem.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  console.log(`tools: not installed (needs root): ${missingSystem.map((t) => t.name).join(", ")}; run: apt-get install -y ${packages.join(" ")}`);
}
process.exit(failed ? 1 : 0);

async function installFresh(tool: ProjectTool): Promise<void> {
  const dir = installDir(tool);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await tool.install(dir);
  writeFileSync(`${dir}/${INSTALLED_MARKER}`, `${tool.name} ${tool.version}\n`);
}
