// Renders the chart with Helm itself (`helm template`, built by `npm run tools`) and checks
// every object; `helm lint` must pass; the plain install manifest (deploy/attache.yaml, written
// by `npm run manifests`) must be exactly what `helm template` prints. The chart is installed
// into a real API server by test/cluster/helm.test.ts.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, it } from "vitest";
import { parseAllDocuments, parse } from "yaml";
import { envoyBootstrap } from "../../controlplane/bootstrap/bootstrap.ts";
import { crdManifests } from "../../controlplane/api/crds.ts";
import { INSTALL_MANIFEST, renderInstallManifest } from "../../scripts/manifests.ts";
import { describeWithTools, toolPath } from "../../test/tools.ts";

const chartDir = dirname(fileURLToPath(import.meta.url));
const repo = join(chartDir, "..", "..");
type Obj = Record<string, any>;

const helm = (args: string[]) => execFileSync(toolPath("helm"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function render(values?: Obj): Obj[] {
  const args = ["template", "attache", chartDir, "--namespace", "attache-system"];
  if (values) {
    const file = join(tmpdir(), `attache-values-${process.pid}.yaml`);
    writeFileSync(file, JSON.stringify(values));
    args.push("--values", file);
  }
  return parseAllDocuments(helm(args)).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Obj;
  }).filter(Boolean);
}

const byKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const named = (objs: Obj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

describeWithTools(["helm"], "Helm chart charts/attache (helm template)", () => {
  let objs: Obj[];
  beforeAll(() => {
    objs = render();
  }, 120_000);

  it("passes helm lint --strict", () => {
    expect(helm(["lint", "--strict", chartDir])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it("renders valid objects, each with apiVersion, kind, name and namespace where namespaced", () => {
    expect(objs.length).toBeGreaterThanOrEqual(12);
    for (const o of objs) {
      expect(o.apiVersion, JSON.stringify(o).slice(0, 80)).toBeTruthy();
      expect(o.kind).toBeTruthy();
      expect(o.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      if (!["ClusterRole", "ClusterRoleBinding"].includes(o.kind)) expect(o.metadata.namespace).toBe("attache-system");
    }
  });

  it("pins every image, sets requests and limits, and runs non-root on a read-only root filesystem", () => {
    for (const d of byKind(objs, "Deployment")) {
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of d.spec.template.spec.containers) {
        expect(c.image).toMatch(/(:v?\d+\.\d+\.\d+$)|(@sha256:[0-9a-f]{64}$)/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory).toBeTruthy();
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(c.readinessProbe && c.livenessProbe).toBeTruthy();
      }
    }
    const digest = "sha256:" + "a".repeat(64);
    const pinned = render({ controlPlane: { image: { digest } } });
    expect(named(pinned, "Deployment", "attache-controlplane").spec.template.spec.containers[0].image).toBe(`ghcr.io/attache-dev/attache@${digest}`);
  });

  it("points the control plane probes at the admin server's /alive and /ready, and Envoy's at its HTTP listener", () => {
    const cp = named(objs, "Deployment", "attache-controlplane").spec.template.spec.containers[0];
    expect(cp.livenessProbe.exec.command.at(-1)).toBe("http://127.0.0.1:8877/alive");
    expect(cp.readinessProbe.exec.command.at(-1)).toBe("http://127.0.0.1:8877/ready");
    expect(existsSync(join(repo, "docker", "probe.mjs"))).toBe(true);
    const envoy = named(objs, "Deployment", "attache-envoy").spec.template.spec.containers[0];
    expect(envoy.readinessProbe.tcpSocket.port).toBe(8080);
    expect(envoy.ports.map((p: Obj) => p.containerPort)).toEqual([8080, 8443]);
    expect(named(objs, "Deployment", "attache-controlplane").spec.replicas).toBe(2);
  });

  it("grants RBAC no wider than what the control plane reads and writes", () => {
    const allowed: Record<string, string[]> = {
      "attache.dev/mappings": ["get", "list", "watch"], "attache.dev/hosts": ["get", "list", "watch"],
      "attache.dev/wasmfilters": ["get", "list", "watch"], "attache.dev/authservices": ["get", "list", "watch"],
      "attache.dev/mappings/status": ["patch"], "attache.dev/hosts/status": ["patch"],
      "attache.dev/wasmfilters/status": ["patch"], "attache.dev/authservices/status": ["patch"],
      "getambassador.io/mappings": ["get", "list", "watch"], "getambassador.io/hosts": ["get", "list", "watch"], "getambassador.io/authservices": ["get", "list", "watch"],
      "/services": ["get", "list", "watch"], "/secrets": ["get", "list", "watch"], "/configmaps": ["get", "list", "watch"],
      "discovery.k8s.io/endpointslices": ["get", "list", "watch"],
      "/events": ["create", "patch"], "events.k8s.io/events": ["create", "patch"],
      "coordination.k8s.io/leases": ["get", "create", "update"],
    };
    const roles = [...byKind(objs, "ClusterRole"), ...byKind(objs, "Role")];
    expect(roles.length).toBe(2);
    for (const role of roles) {
      for (const rule of role.rules) {
        for (const group of rule.apiGroups) for (const resource of rule.resources) {
          const key = `${group}/${resource}`;
          expect(allowed[key], `unexpected rule for ${key}`).toBeDefined();
          for (const verb of rule.verbs) expect(allowed[key], `${verb} on ${key}`).toContain(verb);
        }
      }
    }
    expect(named(objs, "Role", "attache-leader-election").metadata.namespace).toBe("attache-system");
  });

  it("exposes Envoy through a LoadBalancer on 80/443 and the control plane on ClusterIP 18000/18002", () => {
    const lb = named(objs, "Service", "attache");
    expect(lb.spec.type).toBe("LoadBalancer");
    expect(lb.spec.ports.map((p: Obj) => [p.port, p.targetPort])).toEqual([[80, "http"], [443, "https"]]);
    expect(lb.spec.selector["app.kubernetes.io/component"]).toBe("envoy");
    const xds = named(objs, "Service", "attache-xds");
    expect(xds.spec.type).toBe("ClusterIP");
    expect(xds.spec.ports.map((p: Obj) => p.port)).toEqual([18000, 18002]);
  });

  it("ships the same Envoy bootstrap as `attache bootstrap`", () => {
    const cm = named(objs, "ConfigMap", "attache-envoy-bootstrap");
    expect(JSON.parse(cm.data["envoy.json"])).toEqual(envoyBootstrap({ xdsAddress: "attache-xds.attache-system.svc:18000", nodeCluster: "default" }));
  });

  it("adds a PodDisruptionBudget per component, and HPA / NetworkPolicy only when enabled", () => {
    expect(byKind(objs, "PodDisruptionBudget").map((p) => p.metadata.name).sort()).toEqual(["attache-controlplane", "attache-envoy"]);
    expect(byKind(objs, "HorizontalPodAutoscaler")).toEqual([]);
    expect(byKind(objs, "NetworkPolicy")).toEqual([]);
    const more = render({ autoscaling: { enabled: true }, networkPolicy: { enabled: true } });
    expect(byKind(more, "HorizontalPodAutoscaler")[0].spec.scaleTargetRef.name).toBe("attache-envoy");
    expect(named(more, "Deployment", "attache-envoy").spec.replicas).toBeUndefined();
    expect(byKind(more, "NetworkPolicy")[0].spec.ingress[0].ports.map((p: Obj) => p.port)).toEqual([18000, 18002]);
  });

  it("ships CRDs equal to the ones generated from the schema source", () => {
    const files = readdirSync(join(chartDir, "crds")).filter((f) => f.endsWith(".yaml")).sort();
    const shipped = files.map((f) => parse(readFileSync(join(chartDir, "crds", f), "utf8")));
    const generated = crdManifests().map((m) => JSON.parse(JSON.stringify(m)));
    const key = (o: Obj) => o.metadata.name;
    expect(shipped.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(generated.sort((a: Obj, b: Obj) => key(a).localeCompare(key(b))));
  });

  it(`${INSTALL_MANIFEST} is what helm template prints (regenerate: npm run manifests)`, () => {
    expect(existsSync(join(repo, INSTALL_MANIFEST)), "run npm run manifests").toBe(true);
    expect(readFileSync(join(repo, INSTALL_MANIFEST), "utf8")).toBe(renderInstallManifest(toolPath("helm")));
  });
});
