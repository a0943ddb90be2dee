// The `attache` subcommands: one file per command, loaded lazily so one command's
// dependencies never slow down or break another. Add a command by adding a row.
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export interface Command {
  /** Words after `attache`, e.g. ["new", "filter"]. */
  words: string[];
  usage: string;
  summary: string;
  load: () => Promise<{ run: (args: string[], io: CommandIo) => Promise<number> }>;
}

export const COMMANDS: Command[] = [
  {
    words: ["dev"],
    usage: "attache dev [dir] [--http-port N ...]",
    summary: "run the whole gateway locally (control plane, data plane, diagnostics)",
    load: () => import("./dev.ts"),
  },
  {
    words: ["validate"],
    usage: "attache validate <files or directories...>",
    summary: "check CRD YAML; exit 1 listing every error with file:line",
    load: () => import("./validate.ts"),
  },
  {
    words: ["translate"],
    usage: "attache translate [--format yaml|json] [--type <type>] <files or directories...>",
    summary: "print the Envoy resources (xDS) the files translate to",
    load: () => import("./translate.ts" as string),
  },
  {
    words: ["serve"],
    usage: "attache serve [--namespaces ns,...] [--instance-id id] [--kubeconfig file]",
    summary: "run in a cluster: watch Kubernetes, serve xDS, write status (leader only)",
    load: () => import("./serve.ts"),
  },
  {
    words: ["convert"],
    usage: "attache convert [--output file] <files, directories or ->",
    summary: "rewrite an Emissary (getambassador.io) configuration as Attaché YAML; a report per object; exit 0 exact, 3 with warnings, 1 failed",
    load: () => import("./convert.ts"),
  },
  {
    words: ["bootstrap"],
    usage: "attache bootstrap [--xds-address host:port] [--node-id id] [--node-cluster c]",
    summary: "print the Envoy bootstrap pointing at the control plane (Delta ADS)",
    load: () => import("./bootstrap.ts"),
  },
  {
    words: ["build"],
    usage: "attache build",
    summary: "compile every filter in filters/ to .wasm (debug and release)",
    load: () => import("./build.ts"),
  },
  {
    words: ["new", "filter"],
    usage: "attache new filter <name> [--dir <path>]",
    summary: "start a filter: a new project in <path>, or filters/<name> in this one",
    load: () => import("./new-filter-command.ts"),
  },
  {
    words: ["module", "configmap"],
    usage: "attache module configmap <file.wasm> [--name name] [--namespace ns] [--key key]",
    summary: "print a ConfigMap holding a Wasm module, for a WasmFilter's module.configMap",
    load: () => import("./module-configmap.ts"),
  },
];
