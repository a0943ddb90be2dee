#!/usr/bin/env -S node --import tsx
// `npx attache ...`: the package's bin entry; runs the TypeScript CLI through tsx.
process.env.ATTACHE_CLI_ENTRY = "1";
await import("./main.ts");
