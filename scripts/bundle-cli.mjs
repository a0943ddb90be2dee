#!/usr/bin/env node
// Assembles what the control plane image runs, into OUT (default dist/image): the CLI bundled
// by esbuild into one attache.mjs (the Envoy types of protos/gen, descriptors included, are
// bundled in), the release .wasm modules, the filters' config schemas and the exec probe. The Dockerfile copies OUT onto a
// distroless Node image; test/image checks that the bundle runs from OUT alone.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "dist", "image"));
if (!existsSync(join(root, "build", "filters"))) {
  console.error("bundle-cli: build/filters is missing; run `npm run build` first");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, "controlplane", "cli", "main.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: join(out, "attache.mjs"),
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __attacheRequire } from 'node:module'; const require = __attacheRequire(import.meta.url);" },
  logLevel: "warning",
});

const copy = (from, to = from) => cpSync(join(root, from), join(out, to), { recursive: true });
mkdirSync(join(out, "build", "filters"), { recursive: true });
for (const f of readdirSync(join(root, "build", "filters"))) if (f.endsWith(".release.wasm")) copy(join("build", "filters", f));
for (const name of readdirSync(join(root, "filters"))) {
  if (existsSync(join(root, "filters", name, "config.schema.json"))) copy(join("filters", name, "config.schema.json"));
}
copy("docker/probe.mjs", "probe.mjs");
console.log(`bundle-cli: ${out}`);
