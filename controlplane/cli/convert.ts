// `attache convert <files...> [--output <file>]`: rewrites Emissary (getambassador.io/v3alpha1)
// Mapping, Host and AuthService YAML into Attaché (attache.dev/v1alpha1) YAML on stdout (or
// into --output). Other documents pass through unchanged; every Emissary field that was not
// carried over is a warning on stderr and a comment above its document. Exit 1 when a
// document could not be converted (its error names file:line and the field), 0 otherwise.
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { convertEmissaryYaml } from "../compat/emissary/convert.ts";
import type { CommandIo } from "./commands.ts";

const USAGE = "usage: attache convert [--output <file>] <emissary yaml files...>  (- reads stdin)\n";

async function readInput(path: string, cwd: string): Promise<string> {
  if (path !== "-") return readFile(resolve(cwd, path), "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    io.err(`attache convert: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const outputs: string[] = [];
  let failed = false;
  let converted = 0;
  for (const path of positionals) {
    let text: string;
    try {
      text = await readInput(path, io.cwd);
    } catch (error) {
      io.err(`attache convert: ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}\n`);
      failed = true;
      continue;
    }
    const result = convertEmissaryYaml(text, path === "-" ? "<stdin>" : path);
    for (const warning of result.warnings) io.err(`warning: ${warning}\n`);
    for (const error of result.errors) io.err(`error: ${error}\n`);
    failed ||= result.errors.length > 0;
    converted += result.converted;
    if (result.yaml) outputs.push(result.yaml.trimEnd());
  }
  const yaml = outputs.length ? `${outputs.join("\n---\n")}\n` : "";
  if (values.output) await writeFile(resolve(io.cwd, values.output), yaml);
  else io.out(yaml);
  io.err(`attache convert: ${converted} Emissary resource(s) converted${failed ? ", with errors" : ""}\n`);
  return failed ? 1 : 0;
}
