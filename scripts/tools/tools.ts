// The table of tools (see registry.ts): project tools first, then the Debian packages.
import type { Tool } from "./registry.ts";
import { envoy } from "./envoy.ts";
import { helm } from "./helm.ts";
import { kine } from "./kine.ts";
import { kubeApiserver } from "./kube-apiserver.ts";
import { kubectl } from "./kubectl.ts";

export const TOOLS: Tool[] = [
  envoy,
  helm,
  kine,
  kubeApiserver,
  kubectl,
  { kind: "system", name: "chromium", paths: ["/usr/bin/chromium"], debian: ["chromium"] },
  {
    kind: "system", name: "rust-wasm32", paths: ["/usr/bin/rustc", "/usr/lib/rustlib/wasm32-wasi/lib/self-contained/libc.a", "/usr/bin/lld-14"],
    debian: ["rustc", "libstd-rust-dev-wasm32", "lld-14"],
  },
  {
    kind: "system", name: "clang-wasm32",
    paths: ["/usr/bin/clang++-14", "/usr/bin/lld-14", "/usr/lib/wasm32-wasi/libc.a", "/usr/lib/wasm32-wasi/libc++.a", "/usr/lib/wasm32-wasi/libc++abi.a"],
    debian: ["clang-14", "lld-14", "wasi-libc", "libc++-14-dev-wasm32", "libc++abi-14-dev-wasm32", "libclang-rt-14-dev-wasm32"],
  },
];

export function toolNamed(name: string): Tool {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`unknown tool "${name}"; known: ${TOOLS.map((t) => t.name).join(", ")}`);
  return tool;
}

/** The command(s) that install the named tools: `npm run tools` and/or the Debian packages. */
export function installHint(names: string[]): string {
  const tools = names.map(toolNamed);
  const hints: string[] = [];
  if (tools.some((t) => t.kind === "project")) hints.push("npm run tools");
  const debian = [...new Set(tools.flatMap((t) => (t.kind === "system" ? t.debian : [])))];
  if (debian.length) hints.push(`apt-get install -y ${debian.join(" ")} (as root)`);
  return hints.join(" and ");
}

/** Where test workers record suites skipped for a missing tool (test/tools.ts, test/tools-report.ts). */
export const SKIP_DIR_ENV = "ATTACHE_SKIPPED_TOOLS_DIR";
