#!/usr/bin/env node
// attache-filter-build: builds a project's AssemblyScript proxy-wasm filters with asc, the same
// way in this repository and in a filter author's own project.
//
//   filters/<name>/index.ts  -> build/filters/<name>.{debug,release}.wasm (+ .wasm.map);
//                               the release module also gets <name>.release.wasm.sha256
//                               ("<hex>  <file>", as sha256sum prints), the digest a WasmFilter's
//                               `sha256` field takes
//   <dir>/**/*.wasm.ts       -> build/<same path>.wasm (+ .js ESM bindings), debug only: test
//                               modules (pure functions for vitest), for each --probes <dir>
//                               (default: filters)
//
// `--target release` builds only what ships (the release modules and their digests), so a
// project's `npm run build` pays for one asc run per filter; `--target debug` builds the debug
// modules and the test modules; without --target, everything (what `npm test` loads).
// `--watch` builds, then builds again whenever a file under filters/ (or asconfig.json) changes,
// compiling in this process: asc and Binaryen stay loaded and compiled by V8 between builds,
// which roughly halves a rebuild against a fresh `asc` process.
//
// Options come from the project's asconfig.json (which extends this package's asconfig.json).
// A build is skipped when nothing it can depend on changed: the content hash of every .ts under
// filters/, of this SDK and of asconfig.json, plus the entry. What is left is compiled on one
// worker thread per core, release targets first (they take longest), so an edit-build loop pays
// for the slowest target, not the sum.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, watch, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import asc from "assemblyscript/asc";

/** One asc run; its output is returned, not printed, so parallel runs do not interleave. */
async function compile(args) {
  const output = [];
  const sink = { write: (chunk) => { output.push(String(chunk)); return true; } };
  const { error } = await asc.main(args, { stdout: sink, stderr: sink });
  return { error: error ? String(error) : null, output: output.join("") };
}

if (!isMainThread) {
  const results = [];
  for (const args of workerData.argsList) results.push(await compile(args));
  parentPort.postMessage(results);
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    root: { type: "string" }, probes: { type: "string", multiple: true }, target: { type: "string" }, watch: { type: "boolean" },
  },
});
if (values.target !== undefined && values.target !== "debug" && values.target !== "release") {
  console.error(`attache-filter-build: --target: expected "debug" or "release", got ${JSON.stringify(values.target)}`);
  process.exit(2);
}
const targets = values.target ? [values.target] : ["debug", "release"];
const root = values.root ?? process.cwd();
const probeDirs = values.probes ?? ["filters"];
const sdkDir = dirname(fileURLToPath(import.meta.url));
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

if (!existsSync(join(root, "asconfig.json"))) {
  console.error(`attache-filter-build: ${join(root, "asconfig.json")} not found (run in the project's root, or pass --root)`);
  process.exit(2);
}
/** Runs the jobs on `lanes` worker threads (round-robin), resolving with each job's result in order. */
async function compileAll(list, lanes) {
  if (lanes <= 1) {
    const results = [];
    for (const job of list) results.push(await compile(job.args));
    return results;
  }
  const buckets = Array.from({ length: lanes }, () => []);
  list.forEach((job, i) => buckets[i % lanes].push(i));
  const results = new Array(list.length);
  await Promise.all(buckets.map((indexes) => new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { argsList: indexes.map((i) => list[i].args) } });
    worker.once("message", (answers) => { answers.forEach((answer, k) => (results[indexes[k]] = answer)); resolve(); });
    worker.once("error", reject);
  })));
  return results;
}

/** Builds what changed since the last build; returns how many jobs failed (-1: nothing to build). */
async function build(inProcess) {
  const sources = [...new Set([...walk(join(root, "filters")), ...walk(sdkDir)])].filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  const sharedHash = createHash("sha256");
  for (const f of sources.sort()) sharedHash.update(relative(root, f)).update(readFileSync(f));
  sharedHash.update(readFileSync(join(root, "asconfig.json")));
  const shared = sharedHash.digest("hex");

  const jobs = [];
  for (const dir of existsSync(join(root, "filters")) ? readdirSync(join(root, "filters")) : []) {
    const entry = join(root, "filters", dir, "index.ts");
    if (!existsSync(entry) || join(root, "filters", dir) === sdkDir) continue;
    for (const target of targets) {
      jobs.push({ entry, target, outFile: join(buildDir, "filters", `${dir}.${target}.wasm`), bindings: false });
    }
  }
  for (const top of targets.includes("debug") ? probeDirs : []) {
    for (const entry of walk(join(root, top)).filter((f) => f.endsWith(".wasm.ts"))) {
      const rel = relative(root, entry).replace(/\.wasm\.ts$/, "");
      jobs.push({ entry, target: "debug", outFile: join(buildDir, `${rel}.wasm`), bindings: true });
    }
  }
  if (!jobs.length) {
    console.error(`attache-filter-build: nothing to build under ${join(root, "filters")} (expected filters/<name>/index.ts)`);
    return -1;
  }

  const posix = (path) => relative(root, path).split(sep).join("/");
  const pending = [];
  for (const job of jobs) {
    const hash = createHash("sha256").update(shared).update(readFileSync(job.entry)).update(job.target).digest("hex");
    const stamp = `${job.outFile}.stamp`;
    if (existsSync(job.outFile) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) continue;
    mkdirSync(dirname(job.outFile), { recursive: true });
    const args = [posix(job.entry), "--config", "asconfig.json", "--target", job.target, "--outFile", posix(job.outFile)];
    if (job.bindings) args.push("--bindings", "esm");
    pending.push({ ...job, hash, stamp, args });
  }
  pending.sort((a, b) => Number(b.target === "release") - Number(a.target === "release"));

  const results = await compileAll(pending, inProcess ? 1 : Math.min(availableParallelism(), pending.length));
  let failed = 0;
  pending.forEach((job, i) => {
    const { error, output } = results[i];
    if (error) {
      failed++;
      process.stderr.write(`build: ${posix(job.entry)} (${job.target}) failed:\n${output}\n`);
      return;
    }
    if (output) process.stderr.write(output);
    if (job.target === "release" && !job.bindings) {
      const digest = createHash("sha256").update(readFileSync(job.outFile)).digest("hex");
      writeFileSync(`${job.outFile}.sha256`, `${digest}  ${basename(job.outFile)}\n`);
    }
    writeFileSync(job.stamp, job.hash);
  });
  const built = pending.length - failed;
  console.log(`build: ${built} built, ${jobs.length - pending.length} up to date, ${failed} failed`);
  return failed;
}

if (!values.watch) {
  const failed = await build(false);
  process.exit(failed < 0 ? 2 : failed ? 1 : 0);
}
await build(true);
console.log("build: watching filters/ and asconfig.json (Ctrl-C to stop)");
let timer;
let running = Promise.resolve();
const rebuild = () => {
  clearTimeout(timer);
  // Editors write a file in several steps: build once the writes settle.
  timer = setTimeout(() => (running = running.then(() => build(true))), 100);
};
watch(join(root, "filters"), { recursive: true }, (_, file) => {
  if (file && String(file).endsWith(".ts")) rebuild();
});
watch(join(root, "asconfig.json"), rebuild);
