// kine: an etcd v3 API over SQLite, the storage kube-apiserver talks to in tests (Debian's
// etcd 3.4 lacks what kube-apiserver 1.31+ needs). SQLite comes through cgo, so the build
// needs a C compiler (gcc). The install counts once `kine --version` names the pinned version.
import { goInstall, linkerVariables, output } from "./go-build.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "0.17.5";

export const kine: ProjectTool = {
  kind: "project",
  name: "kine",
  version: VERSION,
  binary: "kine",
  async install(dir) {
    await goInstall(dir, "github.com/k3s-io/kine", `v${VERSION}`, {
      cgo: true,
      ldflags: linkerVariables({ "github.com/k3s-io/kine/pkg/version.Version": `v${VERSION}` }),
    });
    const reported = await output(`${dir}/kine`, ["--version"]);
    if (!reported.includes(VERSION)) throw new Error(`kine --version printed "${reported.trim()}", expected ${VERSION}`);
  },
};
