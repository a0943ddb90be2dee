// `attache <command> [args]`: finds the longest matching row of COMMANDS and runs it.
import { COMMANDS, type CommandIo } from "./commands.ts";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return ["usage: attache <command>", "", ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join("\n");
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const matches = COMMANDS.filter((c) => c.words.every((w, i) => argv[i] === w)).sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  if (!command) {
    if (argv.length && argv[0] !== "help" && argv[0] !== "--help" && argv[0] !== "-h") io.err(`attache: unknown command ${JSON.stringify(argv.join(" "))}\n`);
    io.err(`${usage()}\n`);
    return argv.length && !["help", "--help", "-h"].includes(argv[0]) ? 2 : 0;
  }
  let module;
  try {
    module = await command.load();
  } catch (error) {
    io.err(`attache ${command.words.join(" ")}: not available in this build (${(error as Error).message.split("\n")[0]})\n`);
    return 2;
  }
  return module.run(argv.slice(command.words.length), io);
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.env.ATTACHE_CLI_ENTRY === "1") {
  const io: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`attache: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
