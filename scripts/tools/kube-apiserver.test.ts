// The wrapper module for kube-apiserver points every staging module k8s.io/kubernetes replaces
// with a local path at its published release, and sets the version variables Helm and kubectl
// read from the server.
import { describe, expect, it } from "vitest";
import { kubernetesVersionFlags, stagingModules } from "./kube-apiserver.ts";

const GO_MOD = `module k8s.io/kubernetes

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.10.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apiextensions-apiserver => ./staging/src/k8s.io/apiextensions-apiserver
	k8s.io/kms => ./staging/src/k8s.io/kms
	github.com/example/fork => github.com/example/fork v1.2.3
)
`;

describe("kube-apiserver wrapper module", () => {
  it("takes the staging modules (and only those) from k8s.io/kubernetes' go.mod", () => {
    expect(stagingModules(GO_MOD)).toEqual(["k8s.io/api", "k8s.io/apiextensions-apiserver", "k8s.io/kms"]);
  });

  it("sets gitVersion, gitMajor and gitMinor in client-go and component-base", () => {
    const flags = kubernetesVersionFlags("1.37.2");
    for (const pkg of ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"]) {
      expect(flags).toContain(`-X ${pkg}.gitVersion=v1.37.2`);
      expect(flags).toContain(`-X ${pkg}.gitMajor=1`);
      expect(flags).toContain(`-X ${pkg}.gitMinor=37`);
    }
  });
});
