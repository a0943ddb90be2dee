// etcd, the storage kube-apiserver uses in production, from its Go module. Like k8s.io/kubernetes,
// go.etcd.io/etcd/server/v3 replaces its sibling modules (api, client, pkg) with paths inside
// its own repository, so `go install` refuses it; the installer writes a wrapper module that
// requires the server and points every replaced sibling at the same published release (the list
// read from that version's own go.mod), then builds the server's main package. Debian's etcd
// (3.4) is too old for kube-apiserver 1.31+. The install counts once `etcd --version` names the
// pinned version.
import { buildWrapper, moduleGoMod, output } from "./go-build.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "3.7.4";
const SERVER = "go.etcd.io/etcd/server/v3";

export const etcd: ProjectTool = {
  kind: "project",
  name: "etcd",
  version: VERSION,
  binary: "etcd",
  async install(dir) {
    const siblings = siblingModules(await moduleGoMod(SERVER, `v${VERSION}`));
    if (siblings.length === 0) throw new Error(`${SERVER} v${VERSION}: found no sibling modules replaced in its go.mod`);
    await buildWrapper(dir, {
      module: "attache.local/etcd-build",
      goMod: [
        `require ${SERVER} v${VERSION}`,
        "",
        `tool ${SERVER}`,
        "",
        "replace (",
        ...siblings.map((m) => `\t${m} => ${m} v${VERSION}`),
        ")",
      ].join("\n"),
      pkg: SERVER,
      output: "etcd",
      ldflags: "-s -w",
    });
    const reported = await output(`${dir}/etcd`, ["--version"]);
    if (!reported.includes(`etcd Version: ${VERSION}`)) throw new Error(`etcd --version printed "${reported.trim()}", expected etcd Version: ${VERSION}`);
  },
};

/** The go.etcd.io modules the server's go.mod replaces with `../` paths in etcd's repository. */
export function siblingModules(goMod: string): string[] {
  return [...goMod.matchAll(/^\s*(go\.etcd\.io\/[\w./-]+)\s+=>\s+\.\.\//gm)].map((m) => m[1]);
}
