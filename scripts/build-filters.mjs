#!/usr/bin/env node
// Builds every AssemblyScript entry with asc (debug and release targets of asconfig.json).
//
//   filters/<name>/index.ts          -> build/filters/<name>.{debug,release}.wasm (+ .wasm.map)
//   {filters,host,test}/**/*.wasm.ts -> build/<same path>.wasm (+ .js ESM bindings), debug only:
//                                       test-only modules (ABI probes, pure functions for vitest)
//
// A build is skipped when nothing it can depend on changed (content hash of every .ts under
// filters/ plus the entry and asconfig.json), so `npm test` after a small edit stays fast.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = join(root, "build");

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

const asSources = walk(join(root, "filters")).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
const sharedHash = createHash("sha256");
for (const f of asSources.sort()) sharedHash.update(f).update(readFileSync(f));
sharedHash.update(readFileSync(join(root, "asconfig.json")));
const shared = sharedHash.digest("hex");

const jobs = [];
for (const dir of readdirSync(join(root, "filters"))) {
  const entry = join(root, "filters", dir, "index.ts");
  if (dir === "sdk" || !existsSync(entry)) continue;
  for (const target of ["debug", "release"]) {
    jobs.push({ entry, target, outFile: join(buildDir, "filters", `${dir}.${target}.wasm`), bindings: false });
  }
}
for (const top of ["filters", "host", "test"]) {
  for (const entry of walk(join(root, top)).filter((f) => f.endsWith(".wasm.ts"))) {
    const rel = relative(root, entry).replace(/\.wasm\.ts$/, "");
    jobs.push({ entry, target: "debug", outFile: join(buildDir, `${rel}.wasm`), bindings: true });
  }
}

let built = 0;
let failed = 0;
for (const job of jobs) {
  const stamp = `${job.outFile}.stamp`;
  const hash = createHash("sha256").update(shared).update(readFileSync(job.entry)).update(job.target).digest("hex");
  if (existsSync(job.outFile) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) continue;
  mkdirSync(dirname(job.outFile), { recursive: true });
  const args = [
    relative(root, job.entry).split(sep).join("/"),
    "--config", "asconfig.json",
    "--target", job.target,
    "--outFile", relative(root, job.outFile).split(sep).join("/"),
  ];
  if (job.bindings) args.push("--bindings", "esm");
  const stderr = [];
  const { error } = await asc.main(args, {
    stdout: process.stdout,
    stderr: { write: (chunk) => { stderr.push(String(chunk)); return true; } },
  });
  if (error) {
    failed++;
    process.stderr.write(`build: ${relative(root, job.entry)} (${job.target}) failed:\n${stderr.join("")}\n`);
    continue;
  }
  if (stderr.length) process.stderr.write(stderr.join(""));
  writeFileSync(stamp, hash);
  built++;
}
console.log(`build: ${built} built, ${jobs.length - built - failed} up to date, ${failed} failed`);
process.exit(failed ? 1 : 0);
