#!/usr/bin/env node
// `npx attache ...`: the package's bin entry. It runs the TypeScript CLI through tsx, registered
// from here so that tsx is found beside this package wherever it is installed (a `node --import
// tsx` shebang would look for tsx from the caller's working directory).
import { register } from "tsx/esm/api";

process.env.ATTACHE_CLI_ENTRY = "1";
register();
await import("./main.ts");
