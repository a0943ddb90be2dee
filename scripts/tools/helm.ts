// Helm from its Go module (helm.sh/helm/v4 has no replace directives, so `go install` works).
// Helm's Makefile sets the version at link time; without it `helm version` says only "v4.3".
// The install counts once `helm version` reports the pinned version.
import { goInstall, linkerVariables, output } from "./go-build.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "4.3.2";

export const helm: ProjectTool = {
  kind: "project",
  name: "helm",
  version: VERSION,
  binary: "helm",
  async install(dir) {
    await goInstall(dir, "helm.sh/helm/v4/cmd/helm", `v${VERSION}`, {
      ldflags: linkerVariables({ "helm.sh/helm/v4/internal/version.version": `v${VERSION}`, "helm.sh/helm/v4/internal/version.gitTreeState": "clean" }),
    });
    const reported = (await output(`${dir}/helm`, ["version", "--template", "{{.Version}}"])).trim();
    if (reported !== `v${VERSION}`) throw new Error(`helm version printed "${reported}", expected v${VERSION}`);
  },
};
