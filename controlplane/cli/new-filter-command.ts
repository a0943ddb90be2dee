// `attache new filter <name> [--dir <path>]`: with --dir, a new self-contained filter project
// (cli/new-filter-project.ts); without, the template filter added to the project in the current
// folder as filters/<name> (cli/new-filter.ts).
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CommandIo } from "./commands.ts";
import { newFilter, NewFilterError } from "./new-filter.ts";
import { newFilterProject } from "./new-filter-project.ts";

const USAGE = "usage: attache new filter <name> [--dir <path>]";

export async function run(args: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { dir: { type: "string" } } });
  } catch (error) {
    io.err(`attache new filter: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const name = parsed.positionals[0];
  try {
    if (parsed.values.dir !== undefined) {
      const dir = resolve(io.cwd, parsed.values.dir);
      const files = newFilterProject(name, dir);
      io.out(`created ${dir} (${files.length} files); next: cd ${parsed.values.dir} && npm install && npm test\n`);
      return 0;
    }
    const files = newFilter(name, io.cwd);
    io.out(`created ${join("filters", name)}/ (${files.length} files); next: npm run build && npm test\n`);
    return 0;
  } catch (error) {
    if (error instanceof NewFilterError) {
      io.err(`attache ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
