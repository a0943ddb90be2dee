// `attache new filter <name> --dir <path>`: a self-contained filter project outside any Attaché
// checkout, shaped like a Rust or Go proxy-wasm filter's own repository: it depends on the SDK
// and the test host as npm packages, builds with the SDK's build tool, and keeps its filters in
// filters/<name>/ (more can be added with `attache new filter <other>` inside it).
//
//   package.json   @attache/proxy-wasm-sdk, @attache/proxy-wasm-host, assemblyscript, vitest
//   asconfig.json  extends the SDK's compiler preset
//   filters/<name>/  the template filter, renamed, with its tests on the host's harness
//   deploy/<name>.yaml  a WasmFilter and a Mapping that use the built module (ConfigMap delivery)
//   README.md, .gitignore
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { copyTemplate, NewFilterError, validateFilterName } from "./new-filter.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The versions a new project depends on: the packages this CLI was released with. */
export function projectDependencies(): Record<string, string> {
  const version = (file: string) => (JSON.parse(readFileSync(join(REPO, file), "utf8")) as { version: string }).version;
  const root = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return {
    "@attache/proxy-wasm-host": `^${version("host/package.json")}`,
    "@attache/proxy-wasm-sdk": `^${version("filters/sdk/package.json")}`,
    assemblyscript: root.devDependencies.assemblyscript,
    vitest: root.devDependencies.vitest,
  };
}

/** Creates the project at `dir` (absent or empty) and returns the created files, relative to it. */
export function newFilterProject(name: string, dir: string): string[] {
  validateFilterName(name);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new NewFilterError(`new filter: ${dir} is not empty; choose a new folder for the project`);
  }
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    "package.json": `${JSON.stringify(packageJson(name), null, 2)}\n`,
    "asconfig.json": `${JSON.stringify({ extends: "./node_modules/@attache/proxy-wasm-sdk/asconfig.json" }, null, 2)}\n`,
    ".gitignore": "node_modules/\nbuild/\n",
    "README.md": readme(name),
    [`deploy/${name}.yaml`]: deployment(name),
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return [...Object.keys(files), ...copyTemplate(name, dir)].sort();
}

function packageJson(name: string): object {
  return {
    name: `${name}-filter`,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `The ${name} proxy-wasm filter for Attaché (AssemblyScript)`,
    scripts: {
      build: "attache-filter-build --target release",
      pretest: "attache-filter-build",
      test: "vitest run",
      watch: "attache-filter-build --watch",
    },
    devDependencies: projectDependencies(),
  };
}

function deployment(name: string): string {
  return `# Deploys build/filters/${name}.release.wasm on a route. The module travels in a ConfigMap:
#   npx attache module configmap build/filters/${name}.release.wasm --name ${name}-module > deploy/${name}-module.yaml
# (or publish the .wasm at an https URL and use module.url with module.sha256 instead).
apiVersion: attache.dev/v1alpha1
kind: WasmFilter
metadata:
  name: ${name}
spec:
  module:
    configMap: { name: ${name}-module, key: module.wasm }
  config:
    header: { name: x-hello, value: world }
  failurePolicy: FailClosed
---
apiVersion: attache.dev/v1alpha1
kind: Mapping
metadata:
  name: ${name}-demo
spec:
  prefix: /${name}/
  service: http://127.0.0.1:9001
  filters:
    - name: ${name}
      config:
        require: x-api-version
`;
}

function readme(name: string): string {
  return `# ${name} — a proxy-wasm filter for Attaché

An HTTP filter written in AssemblyScript against \`@attache/proxy-wasm-sdk\` (proxy-wasm ABI
0.2.1, the ABI Envoy's Wasm filter implements), tested under Node with the harness of
\`@attache/proxy-wasm-host\`, and attached to routes by an Attaché \`WasmFilter\`.

## Commands

    npm install
    npm test         # builds the .wasm (debug and release) and runs filters/${name}/*.test.ts
    npm run build    # build/filters/${name}.release.wasm and its .sha256 beside it
    npm run watch    # rebuilds on every save, with the compiler kept loaded (about twice as fast)

## Layout

- \`filters/${name}/index.ts\` — the filter: a \`RootContext\` (configuration, per-route settings
  parsed once in \`onConfigure\`) and an \`HttpContext\` per request.
- \`filters/${name}/decision.ts\` — the decision as a pure function; \`decision.wasm.ts\` exposes
  it to the tests without a host.
- \`filters/${name}/${name}.test.ts\` — tests against the compiled module through the host's
  \`HostEmulator\`, as Envoy would run it; \`filters/${name}/README.md\` says what the filter does.
- \`deploy/${name}.yaml\` — a \`WasmFilter\` and a \`Mapping\` that use it.

Another filter in the same project: \`npx attache new filter <other>\`.

## From this folder to a route

1. \`npm run build\`.
2. Publish the module where the gateway can fetch it:
   - a ConfigMap: \`npx attache module configmap build/filters/${name}.release.wasm --name ${name}-module > deploy/${name}-module.yaml\`
     (Attaché checks the module's SHA-256 when the WasmFilter names one), or
   - an https URL: upload \`build/filters/${name}.release.wasm\` and set \`module.url\` and
     \`module.sha256\` (the hex digest in \`build/filters/${name}.release.wasm.sha256\`).
3. \`kubectl apply -f deploy/\` in a cluster running Attaché, or try it locally with
   \`npx attache dev deploy/\` (upstream: \`http://127.0.0.1:9001\`, the dev stack's echo server).
`;
}
