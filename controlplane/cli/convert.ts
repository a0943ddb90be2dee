// `attache convert [--output <file>] <files, directories or ->`: rewrites an Emissary
// configuration (getambassador.io v1, v2, v3alpha1: multi-document YAML, top-level lists,
// `kind: List`) as Attaché YAML on stdout (or into --output). All inputs are converted
// together, so a Module's defaults and TLSContexts reach the Mappings and Hosts they apply to.
// Documents of other kinds pass through unchanged. stderr gets one line per Emissary object
// (converted / approximated / dropped / failed) with the reason for everything not carried
// over, then a summary. Exit codes are in USAGE.
import { readdirSync, statSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { convertEmissaryInputs, describeReport, type Outcome } from "../compat/emissary/convert.ts";
import { readYamlObjects, type InputObject } from "../compat/emissary/read.ts";
import type { CommandIo } from "./commands.ts";

const USAGE = `usage: attache convert [--output <file>] [--http-port N] [--https-port N] <files, directories or - (stdin)...>
exit codes: 0 every Emissary object converted as it was
            3 converted with warnings: some objects were approximated or dropped (see stderr)
            1 could not convert: an object failed or an input could not be read
            2 usage error
`;

export const EXIT_CONVERTED = 0;
export const EXIT_WITH_WARNINGS = 3;
export const EXIT_FAILED = 1;

const YAML_FILE = /\.(ya?ml|json)$/i;

/** Files of `path`: itself, or for a directory every YAML/JSON file below it, sorted. */
function filesOf(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith(".")) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(full));
    else if (YAML_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: "string", short: "o" }, "http-port": { type: "string", default: "8080" }, "https-port": { type: "string", default: "8443" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    io.err(`attache convert: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const ports = { http: Number(values["http-port"]), https: Number(values["https-port"]) };
  if (positionals.length === 0 || !Object.values(ports).every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
    io.err(USAGE);
    return 2;
  }
  const inputs: InputObject[] = [];
  const problems: string[] = [];
  for (const path of positionals) {
    if (path === "-") {
      const read = readYamlObjects(await readStdin(), "<stdin>");
      inputs.push(...read.objects);
      problems.push(...read.errors);
      continue;
    }
    let files: string[];
    try {
      files = filesOf(resolve(io.cwd, path));
    } catch (error) {
      problems.push(`${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (error as Error).message}`);
      continue;
    }
    for (const file of files) {
      const read = readYamlObjects(await readFile(file, "utf8"), relative(io.cwd, file) || file);
      inputs.push(...read.objects);
      problems.push(...read.errors);
    }
  }
  const result = convertEmissaryInputs(inputs, { ports });
  if (values.output) await writeFile(resolve(io.cwd, values.output), result.yaml);
  else io.out(result.yaml);

  for (const report of result.reports) io.err(`${describeReport(report)}\n`);
  for (const problem of problems) io.err(`error: ${problem}\n`);
  const counts: Record<Outcome, number> = { converted: 0, approximated: 0, dropped: 0, failed: 0 };
  for (const report of result.reports) counts[report.outcome]++;
  const summary = (Object.entries(counts) as [Outcome, number][]).map(([k, n]) => `${n} ${k}`).join(", ");
  io.err(`attache convert: ${result.reports.length} Emissary object(s): ${summary}${problems.length ? `; ${problems.length} unreadable input(s)` : ""}\n`);
  if (counts.failed || problems.length) return EXIT_FAILED;
  if (counts.approximated || counts.dropped) return EXIT_WITH_WARNINGS;
  return EXIT_CONVERTED;
}
