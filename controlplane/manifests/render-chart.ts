// Renders a Helm chart's objects the way `helm template <release> <chart> --namespace <ns>
// --include-crds` prints them, without Helm: the chart's own templates and values.yaml are
// read at run time and executed by our Go text/template interpreter, so the chart stays the
// one source of truth. Output: the crds/ files first, then every rendered document in Helm's
// install order (kind order from helm/pkg/releaseutil/kind_sorter.go, then file, then
// position in the file), each preceded by `# Source: <chart>/<path>` as Helm prints it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseDocument } from "yaml";
import { TemplateSet } from "./template-exec.ts";
import { helmFunctions } from "./template-funcs.ts";
import { checkAgainstDefaults, mergeValues, ValuesError, type Values } from "./values.ts";

/** Helm's InstallOrder; kinds not listed come after these, sorted by kind name. */
const INSTALL_ORDER = [
  "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
  "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
  "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
  "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
  "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
  "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
  "IngressClass", "Ingress", "APIService",
];

export interface RenderOptions {
  chartDir: string;
  release: string;
  namespace: string;
  /** Value layers applied over values.yaml in order, each with the flag it came from. */
  overrides?: { source: string; values: Values }[];
}

export interface RenderedDocument {
  /** Chart name and path inside it, e.g. "attache/templates/rbac.yaml", "attache/crds/x.yaml". */
  source: string;
  text: string;
  object: Record<string, unknown>;
}

/** Where the chart is: beside the sources (../../charts/attache) or beside a bundle. */
export function defaultChartDir(): string {
  const candidates = ["../../charts/attache", "./charts/attache"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, "Chart.yaml"))) ?? candidates[0];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class ChartError extends Error {}

export function renderChart(options: RenderOptions): RenderedDocument[] {
  const { chartDir, release, namespace } = options;
  // Helm's own limits: release names are DNS subdomains of at most 53 characters.
  if (!DNS_SUBDOMAIN.test(release) || release.length > 53) throw new ChartError(`--release ${JSON.stringify(release)}: must be a lowercase DNS name (a-z, 0-9, '-', '.') of at most 53 characters`);
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new ChartError(`--namespace ${JSON.stringify(namespace)}: must be a lowercase DNS label (a-z, 0-9, '-') of at most 63 characters`);
  if (!existsSync(join(chartDir, "Chart.yaml"))) throw new ChartError(`no chart at ${chartDir} (Chart.yaml missing); pass --chart <dir>`);
  const meta = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8"));
  const defaults: Values = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) ?? {};
  let values = defaults;
  for (const layer of options.overrides ?? []) {
    checkAgainstDefaults(defaults, layer.values, layer.source);
    values = mergeValues(values, layer.values);
  }

  const chartName = String(meta.name);
  const set = new TemplateSet(helmFunctions);
  const templateFiles = listFiles(join(chartDir, "templates"));
  for (const file of templateFiles) set.add(`${chartName}/templates/${file}`, readFileSync(join(chartDir, "templates", file), "utf8"));

  const rendered: (RenderedDocument & { order: number })[] = [];
  for (const file of templateFiles.filter((f) => !f.startsWith("_") && f !== "NOTES.txt")) {
    const name = `${chartName}/templates/${file}`;
    const data = {
      Values: values,
      Chart: { Name: chartName, Version: String(meta.version), AppVersion: String(meta.appVersion ?? ""), Description: meta.description },
      Release: { Name: release, Namespace: namespace, Service: "Helm", IsInstall: true, IsUpgrade: false, Revision: 1 },
      Template: { Name: name, BasePath: `${chartName}/templates` },
      Capabilities: { KubeVersion: { Version: "v1.30.0", Major: "1", Minor: "30" } },
    };
    // Helm blanks the "<no value>" text/template prints for missing values.
    const text = set.execute(name, data).replaceAll("<no value>", "");
    for (const doc of splitDocuments(text)) {
      const parsed = parseDocumentAt(name, doc);
      if (parsed) rendered.push({ ...parsed, order: rendered.length });
    }
  }
  const rank = (kind: string) => (INSTALL_ORDER.includes(kind) ? INSTALL_ORDER.indexOf(kind) : INSTALL_ORDER.length);
  rendered.sort((a, b) => {
    const [ka, kb] = [String(a.object.kind), String(b.object.kind)];
    return rank(ka) - rank(kb) || (rank(ka) === INSTALL_ORDER.length ? ka.localeCompare(kb) : 0) || a.source.localeCompare(b.source) || a.order - b.order;
  });
  const crds = listFiles(join(chartDir, "crds")).filter((f) => /\.ya?ml$/.test(f)).flatMap((file) =>
    splitDocuments(readFileSync(join(chartDir, "crds", file), "utf8")).flatMap((doc) => parseDocumentAt(`${chartName}/crds/${file}`, doc) ?? []),
  );
  return [...crds, ...rendered.map(({ order: _, ...doc }) => doc)];
}

/** The multi-document YAML `helm template` prints for these documents. */
export function formatDocuments(docs: RenderedDocument[]): string {
  return docs.map((d) => `---\n# Source: ${d.source}\n${d.text}\n`).join("");
}

/** Helm's releaseutil.SplitManifests: documents separated by `---` lines, blanks dropped. */
function splitDocuments(text: string): string[] {
  return text.split(/(?:^|\s*\n)---\s*/).map((d) => d.trim()).filter((d) => d !== "");
}

/** Parses one document; undefined for a document holding only comments. */
function parseDocumentAt(source: string, text: string): RenderedDocument | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new ChartError(`YAML parse error on ${source}: ${doc.errors[0].message}`);
  const object = doc.toJS();
  if (object === null || object === undefined) return undefined;
  if (typeof object !== "object" || !object.kind || !object.apiVersion) throw new ChartError(`${source}: rendered document has no apiVersion/kind:\n${text.slice(0, 200)}`);
  return { source, text, object };
}

function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort() : [];
}

export { ValuesError };
