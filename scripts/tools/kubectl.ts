// kubectl from k8s.io/kubectl (published without replace directives) through a wrapper main,
// the same few lines as upstream's cmd/kubectl/kubectl.go. The install counts once
// `kubectl version --client` reports the pinned version.
import { buildWrapper, output } from "./go-build.ts";
import { kubernetesVersionFlags } from "./kube-apiserver.ts";
import type { ProjectTool } from "./registry.ts";

const VERSION = "1.37.2";

const MAIN = `package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"

	// Client auth plugins (exec, OIDC), as upstream kubectl links them.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

func main() {
	logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
`;

export const kubectl: ProjectTool = {
  kind: "project",
  name: "kubectl",
  version: VERSION,
  binary: "kubectl",
  async install(dir) {
    await buildWrapper(dir, {
      module: "attache.local/kubectl-build",
      goMod: `require k8s.io/kubectl v0.${VERSION.split(".").slice(1).join(".")}`,
      files: { "main.go": MAIN },
      pkg: ".",
      output: "kubectl",
      ldflags: kubernetesVersionFlags(VERSION),
    });
    const reported = JSON.parse(await output(`${dir}/kubectl`, ["version", "--client", "-o", "json"])) as { clientVersion?: { gitVersion?: string } };
    if (reported.clientVersion?.gitVersion !== `v${VERSION}`) throw new Error(`kubectl version printed ${JSON.stringify(reported.clientVersion)}, expected v${VERSION}`);
  },
};
