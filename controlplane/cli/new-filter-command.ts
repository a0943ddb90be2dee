// `attache new filter <name>`: copies filters/template to filters/<name> (cli/new-filter.ts).
import { join } from "node:path";
import type { CommandIo } from "./commands.ts";
import { newFilter, NewFilterError } from "./new-filter.ts";

export async function run(args: string[], io: CommandIo): Promise<number> {
  if (args.length !== 1) {
    io.err("usage: attache new filter <name>\n");
    return 2;
  }
  try {
    const files = newFilter(args[0], io.cwd);
    io.out(`created ${join("filters", args[0])}/ (${files.length} files); next: npm run build && npm test\n`);
    return 0;
  } catch (error) {
    if (error instanceof NewFilterError) {
      io.err(`attache ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
