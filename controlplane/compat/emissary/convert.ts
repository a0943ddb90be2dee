// Emissary compatibility: getambassador.io/v3alpha1 Mapping, Host and AuthService objects
// become attache.dev/v1alpha1 objects of the same kind, name and namespace. Every Emissary
// field we do not carry over produces a warning naming it (`Mapping default/api:
// spec.auto_host_rewrite: not supported by Attaché; ignored`); a field whose meaning we
// cannot keep (an AuthService with proto grpc) is an error and the object is not converted.
// `ambassador_id` becomes the `attache.dev/instance` annotation (sources/kubernetes/instance.ts).
import { Document, parseAllDocuments } from "yaml";
import { isObj, stringList, type Obj } from "./fields.ts";
import { convertAuthServiceSpec, convertHostSpec } from "./host.ts";
import { convertMappingSpec } from "./mapping.ts";

export const EMISSARY_GROUP = "getambassador.io";
export const EMISSARY_API_VERSION = "getambassador.io/v3alpha1";
export const CONVERTED_FROM = "attache.dev/converted-from";
export const CONVERSION_WARNINGS = "attache.dev/conversion-warnings";
const INSTANCE = "attache.dev/instance";

const CONVERTERS: Record<string, (spec: Obj, path: string, warnings: string[], errors: string[]) => Obj> = {
  Mapping: convertMappingSpec,
  Host: convertHostSpec,
  AuthService: convertAuthServiceSpec,
};

export interface Conversion {
  /** The Attaché object, or undefined when the object could not be converted (see errors). */
  object?: Obj;
  warnings: string[];
  errors: string[];
}

export const isEmissaryObject = (obj: unknown): boolean =>
  isObj(obj) && typeof obj.apiVersion === "string" && obj.apiVersion.startsWith(`${EMISSARY_GROUP}/`);

export function convertEmissaryObject(obj: Obj): Conversion {
  const meta = isObj(obj.metadata) ? obj.metadata : {};
  const kind = String(obj.kind);
  const ref = `${kind} ${meta.namespace ?? "default"}/${meta.name ?? "(unnamed)"}`;
  const warnings: string[] = [];
  const errors: string[] = [];
  if (obj.apiVersion !== EMISSARY_API_VERSION) warnings.push(`${ref}: apiVersion ${obj.apiVersion} is read as ${EMISSARY_API_VERSION}`);
  const convert = CONVERTERS[kind];
  if (!convert) return { warnings, errors: [`${ref}: kind ${kind} is not supported (supported: ${Object.keys(CONVERTERS).join(", ")})`] };
  if (!isObj(obj.spec)) return { warnings, errors: [`${ref}: spec: required`] };
  const spec = convert(obj.spec, `${ref}: spec`, warnings, errors);
  if (errors.length) return { warnings, errors };
  const annotations: Obj = { ...(isObj(meta.annotations) ? meta.annotations : {}) };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  const ids = stringList(obj.spec.ambassador_id);
  if (ids?.length) annotations[INSTANCE] = ids.join(",");
  const metadata: Obj = { name: meta.name };
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (isObj(meta.labels)) metadata.labels = meta.labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return { object: { apiVersion: "attache.dev/v1alpha1", kind, metadata, spec }, warnings, errors };
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

export interface YamlConversion {
  yaml: string;
  warnings: string[];
  errors: string[];
  converted: number;
}

/** `attache convert`: rewrites every Emissary document of a YAML stream; documents of other
 *  kinds pass through unchanged. Warnings also appear as comments above their document. */
export function convertEmissaryYaml(text: string, file = "<stdin>"): YamlConversion {
  const out: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  let converted = 0;
  for (const doc of parseAllDocuments(text)) {
    // The first line of the document's content (its range starts at a `---` marker).
    const line = text.slice(0, doc.contents?.range[0] ?? doc.range[0]).split("\n").length;
    if (doc.errors.length) {
      errors.push(`${file}:${line}: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isEmissaryObject(value)) {
      out.push(doc.toString().replace(/^---[ \t]*\n?/, "").trimEnd());
      continue;
    }
    const result = convertEmissaryObject(value as Obj);
    warnings.push(...result.warnings.map((w) => `${file}:${line}: ${w}`));
    errors.push(...result.errors.map((e) => `${file}:${line}: ${e}`));
    if (!result.object) continue;
    converted++;
    const rendered = new Document(result.object);
    if (result.warnings.length) rendered.commentBefore = result.warnings.map((w) => ` warning: ${w}`).join("\n");
    out.push(rendered.toString().trimEnd());
  }
  return { yaml: out.length ? `${out.join("\n---\n")}\n` : "", warnings, errors, converted };
}
