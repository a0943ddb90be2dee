// kube-apiserver from k8s.io/kubernetes. That module replaces its staging modules (k8s.io/api,
// k8s.io/apiserver, ...) with paths inside its own repository, so `go install` refuses it. The
// installer writes a wrapper module instead: it requires k8s.io/kubernetes and points every
// staging module at its published release (v0.X.Y for Kubernetes v1.X.Y), with the list read
// from that version's own go.mod, then builds cmd/kube-apiserver. The version variables are
// set as Kubernetes' hack/lib/version.sh sets them, so the server reports v1.X.Y (Helm checks
// charts' kubeVersion against it). The install counts once `--version` names the pinned version.
import { buildWrapper, linkerVariables, moduleGoMod, output } from "./go-build.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "1.37.2";

export const kubeApiserver: ProjectTool = {
  kind: "project",
  name: "kube-apiserver",
  version: VERSION,
  binary: "kube-apiserver",
  async install(dir) {
    const staging = stagingModules(await moduleGoMod("k8s.io/kubernetes", `v${VERSION}`));
    if (staging.length < 20) throw new Error(`k8s.io/kubernetes v${VERSION}: found only ${staging.length} staging modules in its go.mod`);
    const published = `v0.${VERSION.split(".").slice(1).join(".")}`;
    await buildWrapper(dir, {
      module: "attache.local/kube-apiserver-build",
      goMod: [
        `require k8s.io/kubernetes v${VERSION}`,
        "",
        "tool k8s.io/kubernetes/cmd/kube-apiserver",
        "",
        "replace (",
        ...staging.map((m) => `\t${m} => ${m} ${published}`),
        ")",
      ].join("\n"),
      pkg: "k8s.io/kubernetes/cmd/kube-apiserver",
      output: "kube-apiserver",
      ldflags: kubernetesVersionFlags(VERSION),
    });
    const reported = await output(`${dir}/kube-apiserver`, ["--version"]);
    if (!reported.includes(`Kubernetes v${VERSION}`)) throw new Error(`kube-apiserver --version printed "${reported.trim()}", expected Kubernetes v${VERSION}`);
  },
};

/** The modules k8s.io/kubernetes' go.mod replaces with `./staging/src/...` paths. */
export function stagingModules(goMod: string): string[] {
  return [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
}

/** Link-time version variables, as Kubernetes' hack/lib/version.sh sets them. */
export function kubernetesVersionFlags(version: string): string {
  const [major, minor] = version.split(".");
  const variables: Record<string, string> = {};
  for (const pkg of ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"]) {
    Object.assign(variables, {
      [`${pkg}.gitVersion`]: `v${version}`,
      [`${pkg}.gitMajor`]: major,
      [`${pkg}.gitMinor`]: minor,
      [`${pkg}.gitTreeState`]: "clean",
    });
  }
  return linkerVariables(variables);
}
