// Emissary compatibility: getambassador.io (v1, v2, v3alpha1) objects become
// attache.dev/v1alpha1 objects. Mapping, Host and AuthService convert one to one (same name
// and namespace); Module, Listener, TLSContext and the resolvers have no Attaché kind, and
// their effect is carried into the converted Hosts and Mappings (context.ts); kinds without
// any equivalent are dropped with the reason. Every object gets a report: converted,
// approximated (converted, but something was left out or changed: the warnings say what),
// dropped, or failed (errors). `ambassador_id` becomes the `attache.dev/instance` annotation
// (sources/kubernetes/instance.ts); `attache.dev/converted-from` marks converted objects, which
// the model routes with Emissary's Host selection (ARCHITECTURE.md "Route order and Hosts").
import { Document } from "yaml";
import { emptyContext, DROPPED_KINDS, readListener, readModule, readResolver, readTlsContext, type EmissaryContext, type ObjectNotes } from "./context.ts";
import { isObj, stringList, type Obj } from "./fields.ts";
import { convertAuthServiceSpec, convertHostSpec } from "./host.ts";
import { convertMappingSpec } from "./mapping.ts";
import { readYamlObjects, type InputObject } from "./read.ts";

export const EMISSARY_GROUP = "getambassador.io";
export const EMISSARY_API_VERSION = "getambassador.io/v3alpha1";
const READ_VERSIONS = new Set(["getambassador.io/v1", "getambassador.io/v2", EMISSARY_API_VERSION]);
export { CONVERTED_FROM } from "../../model/resolve/mapping-records.ts";
import { CONVERTED_FROM } from "../../model/resolve/mapping-records.ts";
export const CONVERSION_WARNINGS = "attache.dev/conversion-warnings";
const INSTANCE = "attache.dev/instance";

type SpecConverter = (spec: Obj, path: string, warnings: string[], errors: string[], ctx: EmissaryContext, namespace: string, notes: string[]) => Obj;

const CONVERTERS: Record<string, SpecConverter> = {
  Mapping: (spec, path, warnings, errors, ctx, _ns, notes) => convertMappingSpec(spec, path, warnings, errors, ctx, notes),
  Host: convertHostSpec,
  AuthService: (spec, path, warnings, errors) => convertAuthServiceSpec(spec, path, warnings, errors),
};

const RESOLVERS = new Set(["KubernetesServiceResolver", "KubernetesEndpointResolver", "ConsulResolver"]);

export interface Conversion {
  /** The Attaché object, or undefined when the object could not be converted (see errors). */
  object?: Obj;
  warnings: string[];
  errors: string[];
}

export type Outcome = "converted" | "approximated" | "dropped" | "failed";

export interface ObjectReport extends ObjectNotes {
  /** "file:line". */
  where: string;
  /** "Kind namespace/name". */
  ref: string;
  outcome: Outcome;
  object?: Obj;
}

export const isEmissaryObject = (obj: unknown): boolean =>
  isObj(obj) && typeof obj.apiVersion === "string" && obj.apiVersion.startsWith(`${EMISSARY_GROUP}/`);

function identity(obj: Obj): { kind: string; name: string; namespace: string; ref: string; meta: Obj } {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const kind = String(obj.kind);
  const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
  const name = typeof meta.name === "string" ? meta.name : "(unnamed)";
  return { kind, name, namespace, ref: `${kind} ${namespace}/${name}`, meta };
}

function convertOne(obj: Obj, ctx: EmissaryContext, notes: ObjectNotes): Obj | undefined {
  const { kind, namespace, ref, meta } = identity(obj);
  if (!READ_VERSIONS.has(String(obj.apiVersion))) notes.warnings.push(`${ref}: apiVersion ${String(obj.apiVersion)} is read as ${EMISSARY_API_VERSION}`);
  const convert = CONVERTERS[kind]!;
  if (!isObj(obj.spec)) {
    notes.errors.push(`${ref}: spec: required`);
    return undefined;
  }
  const spec = convert(obj.spec, `${ref}: spec`, notes.warnings, notes.errors, ctx, namespace, notes.notes);
  if (notes.errors.length) return undefined;
  const annotations: Obj = { ...(isObj(meta.annotations) ? meta.annotations : {}) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  delete annotations["getambassador.io/resource-changed"];
  annotations[CONVERTED_FROM] = String(obj.apiVersion);
  const ids = stringList(obj.spec.ambassador_id);
  if (ids?.length) annotations[INSTANCE] = ids.join(",");
  const metadata: Obj = { name: meta.name };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (isObj(meta.labels)) metadata.labels = meta.labels;
  metadata.annotations = annotations;
  return { apiVersion: "attache.dev/v1alpha1", kind, metadata, spec };
}

/** Converts one Mapping, Host or AuthService on its own (no Module or TLSContext context). */
export function convertEmissaryObject(obj: Obj): Conversion {
  const notes: ObjectNotes = { notes: [], warnings: [], errors: [] };
  const { kind, ref } = identity(obj);
  if (!CONVERTERS[kind]) return { warnings: [], errors: [`${ref}: kind ${kind} is not converted on its own (supported: ${Object.keys(CONVERTERS).join(", ")})`] };
  const object = convertOne(obj, emptyContext(), notes);
  return { object, warnings: notes.warnings, errors: notes.errors };
}

/** A report as `attache convert` prints it: "file:line: Kind ns/name: outcome", then reasons. */
export function describeReport(report: ObjectReport): string {
  const lines = [`${report.where}: ${report.ref}: ${report.outcome}`];
  for (const e of report.errors) lines.push(`  error: ${e}`);
  for (const w of report.warnings) lines.push(`  ${report.outcome === "dropped" ? "dropped" : "warning"}: ${w}`);
  for (const n of report.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

function outcomeOf(notes: ObjectNotes): Outcome {
  if (notes.errors.length) return "failed";
  if (notes.dropped) return "dropped";
  return notes.warnings.length ? "approximated" : "converted";
}

export interface ConvertOptions {
  /** Attaché's listener ports (what Listener objects are compared with). */
  ports: { http: number; https: number };
}

export interface ConvertResult {
  /** Attaché YAML: converted objects and non-Emissary documents, in input order. */
  yaml: string;
  reports: ObjectReport[];
  /** Unreadable input ("file:line: message"). */
  errors: string[];
}

/** Converts a whole Emissary configuration: every object of every input together, so a
 *  Module's defaults and TLSContexts reach the Mappings and Hosts they apply to. */
export function convertEmissaryInputs(inputs: InputObject[], options: ConvertOptions): ConvertResult {
  const ctx = emptyContext();
  const reports = new Map<InputObject, ObjectReport>();
  const report = (input: InputObject): ObjectReport => {
    let r = reports.get(input);
    if (!r) reports.set(input, (r = { where: input.where, ref: identity(input.object).ref, outcome: "converted", notes: [], warnings: [], errors: [] }));
    return r;
  };
  const emissary = inputs.filter((i) => isEmissaryObject(i.object));
  // First the kinds that only contribute to others.
  for (const input of emissary) {
    const { kind, name, namespace, ref } = identity(input.object);
    const spec = isObj(input.object.spec) ? input.object.spec : {};
    if (CONVERTERS[kind]) continue;
    const r = report(input);
    if (kind === "Module") readModule(name, spec, `${ref}: spec`, ctx, r);
    else if (kind === "Listener") readListener(spec, `${ref}: spec`, r, options.ports);
    else if (kind === "TLSContext") readTlsContext(name, namespace, spec, ref, ctx, r);
    else if (RESOLVERS.has(kind)) readResolver(kind, name, ctx, r);
    else {
      r.dropped = true;
      r.warnings.push(DROPPED_KINDS[kind] ?? `kind ${kind} has no Attaché equivalent`);
    }
  }
  ctx.hasHosts = emissary.some((i) => i.object.kind === "Host");
  for (const input of emissary) {
    if (!CONVERTERS[String(input.object.kind)]) continue;
    const r = report(input);
    r.object = convertOne(input.object, ctx, r);
  }
  for (const tls of ctx.tlsContexts.values()) {
    if (tls.usedBy.length) tls.notes.notes.push(`carried into ${tls.usedBy.join(", ")}`);
    else {
      tls.notes.dropped = true;
      tls.notes.warnings.push(ctx.hasHosts ? "no converted Host names it (tlsContext) or has a hostname it lists (hosts), so it configures nothing" : "Emissary ignores TLSContexts when no Host exists, and so does the conversion");
    }
  }
  const out: string[] = [];
  for (const input of inputs) {
    const r = reports.get(input);
    if (!r) {
      out.push(new Document(input.object).toString().trimEnd());
      continue;
    }
    r.outcome = outcomeOf(r);
    if (!r.object) continue;
    const rendered = new Document(r.object);
    if (r.warnings.length) rendered.commentBefore = r.warnings.map((w) => ` warning: ${w}`).join("\n");
    out.push(rendered.toString().trimEnd());
  }
  return { yaml: out.length ? `${out.join("\n---\n")}\n` : "", reports: [...reports.values()], errors: [] };
}

/** `convertEmissaryInputs` over one YAML stream. */
export function convertEmissaryYaml(text: string, file = "<stdin>", options: ConvertOptions = { ports: { http: 8080, https: 8443 } }): ConvertResult {
  const read = readYamlObjects(text, file);
  const result = convertEmissaryInputs(read.objects, options);
  return { ...result, errors: read.errors };
}

/** The same conversion for in-cluster reading: the result records where it came from and its
 *  warnings in annotations, so the status writer can report them on the Emissary object. */
export function convertForCluster(obj: Obj): Conversion {
  const result = convertEmissaryObject(obj);
  if (!result.object) return result;
  const metadata = result.object.metadata as Obj;
  const annotations: Obj = { ...(metadata.annotations as Obj | undefined), [CONVERTED_FROM]: String(obj.apiVersion) };
  if (result.warnings.length) annotations[CONVERSION_WARNINGS] = JSON.stringify(result.warnings);
  const source = isObj(obj.metadata) ? obj.metadata : {};
  result.object = { ...result.object, metadata: { ...metadata, annotations, generation: source.generation, resourceVersion: source.resourceVersion } };
  return result;
}
