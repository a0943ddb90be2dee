// The table of tools (see registry.ts): project tools first, then the Debian packages.
import { locate, type Tool } from "./registry.ts";
import { envoy } from "./envoy.ts";
import { etcd } from "./etcd.ts";
import { helm } from "./helm.ts";
import { kubeApiserver } from "./kube-apiserver.ts";
import { kubectl } from "./kubectl.ts";

export const TOOLS: Tool[] = [
  envoy,
  etcd,
  helm,
  kubeApiserver,
  kubectl,
  // Go 1.21+ (it fetches the toolchain a module asks for): `npm run tools` builds Helm, etcd,
  // kube-apiserver and kubectl with it, and `npm run protos` reads Envoy's descriptors with it.
  { kind: "path", name: "go", command: "go", hint: "Go 1.21 or newer on PATH (go.dev/dl)" },
  // Headless Chromium for the diagnostics page's browser tests (driven by playwright-core).
  { kind: "system", name: "chromium", paths: ["/usr/bin/chromium"], debian: ["chromium"] },
  // Rust for wasm32-wasi: Debian's rustc (rustup's has no wasm32 target unless added), its std
  // for the target (with its own wasi-libc under self-contained/), and lld-14, which rustc
  // runs as rust-lld.
  {
    kind: "system", name: "rust-wasm32", paths: ["/usr/bin/rustc", "/usr/lib/rustlib/wasm32-wasi/lib/self-contained/libc.a", "/usr/bin/lld-14"],
    debian: ["rustc", "libstd-rust-dev-wasm32", "lld-14"],
  },
  // C++ for wasm32-wasi: clang, its wasm linker, wasi-libc, libc++/libc++abi and compiler-rt's
  // builtins (under clang's version folder, 14.0.6 on bookworm).
  {
    kind: "system", name: "clang-wasm32",
    paths: ["/usr/bin/clang++-14", "/usr/bin/wasm-ld-14", "/usr/lib/wasm32-wasi/libc.a", "/usr/lib/wasm32-wasi/libc++.a", "/usr/lib/wasm32-wasi/libc++abi.a",
      "/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a"],
    debian: ["clang-14", "lld-14", "wasi-libc", "libc++-14-dev-wasm32", "libc++abi-14-dev-wasm32", "libclang-rt-14-dev-wasm32"],
  },
  // bench/envoy: the Rust proxy-wasm SDK twins build with Debian's cargo (+ rust-wasm32);
  // load generators, the upstream and CPU pinning for the per-request bench.
  { kind: "system", name: "cargo", paths: ["/usr/bin/cargo"], debian: ["cargo"] },
  { kind: "system", name: "wrk", paths: ["/usr/bin/wrk"], debian: ["wrk"] },
  { kind: "system", name: "h2load", paths: ["/usr/bin/h2load"], debian: ["nghttp2-client"] },
  { kind: "system", name: "nginx", paths: ["/usr/sbin/nginx"], debian: ["nginx-light"] },
  { kind: "system", name: "taskset", paths: ["/usr/bin/taskset"], debian: ["util-linux"] },
  { kind: "system", name: "perf", paths: ["/usr/bin/perf"], debian: ["linux-perf"] },
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
  for (const tool of tools) if (tool.kind === "path") hints.push(tool.hint);
  return hints.join(" and ");
}

/** The installed tool's executable, or undefined. */
export function findTool(name: string): string | undefined {
  return locate(toolNamed(name));
}

/** The installed tool's executable; throws with the install command when it is missing. */
export function toolPath(name: string): string {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed: ${installHint([name])}`);
  return path;
}
