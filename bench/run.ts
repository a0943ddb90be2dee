// `npm run bench [area ...]`: runs bench/<area>/index.ts for every area (or the named ones)
// and rewrites that area's section of BENCHMARKS.md between
// `<!-- bench:<area> -->` and `<!-- /bench:<area> -->`, so results always sit next to the
// command that produced them. Each area's module default-exports `run(): Promise<string>`
// returning Markdown (medians and ratios against a baseline measured in the same run).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import os from "node:os";

const benchDir = dirname(fileURLToPath(import.meta.url));
const resultsFile = join(benchDir, "..", "BENCHMARKS.md");

const allAreas = readdirSync(benchDir)
  .filter((name) => statSync(join(benchDir, name)).isDirectory() && existsSync(join(benchDir, name, "index.ts")))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((a) => !allAreas.includes(a));
if (unknown.length) {
  console.error(`bench: unknown area(s) ${unknown.join(", ")}; known: ${allAreas.join(", ")}`);
  process.exit(2);
}
const areas = wanted.length ? wanted : allAreas;

function replaceSection(doc: string, area: string, body: string): string {
  const open = `<!-- bench:${area} -->`;
  const close = `<!-- /bench:${area} -->`;
  const section = `${open}\n${body.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start >= 0 && end > start) return doc.slice(0, start) + section + doc.slice(end + close.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}

let doc = existsSync(resultsFile)
  ? readFileSync(resultsFile, "utf8")
  : "# Benchmarks\n\nProduced by `npm run bench` (or `npm run bench -- <area>`); each section names its command.\n";
const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
let failed = false;
for (const area of areas) {
  console.log(`bench: ${area} ...`);
  try {
    const mod = await import(pathToFileURL(join(benchDir, area, "index.ts")).href);
    const body: string = await mod.default();
    const stamped = `${body.trim()}\n\n_Measured ${new Date().toISOString().slice(0, 10)} on ${machine} with \`npm run bench -- ${area}\`._`;
    doc = replaceSection(doc, area, stamped);
    writeFileSync(resultsFile, doc);
    console.log(body);
  } catch (err) {
    failed = true;
    console.error(`bench: ${area} failed:`, err);
  }
}
process.exit(failed ? 1 : 0);
