// Building blocks for the CRD schemas. Every CRD is written once, as TypeBox schemas
// (controlplane/api/<kind>.ts); the TypeScript types (`Static<>`), the runtime validator
// (ajv, api/validator.ts) and the CRD OpenAPI v3 schemas (api/crds.ts) all come from it.
//
// Why TypeBox: its builders ARE JSON Schema objects (ajv validates them as they are, the CRD
// generator only strips what Kubernetes rejects) and `Static<>` gives the TypeScript type of
// the same value, so nothing is written twice. JSON-Schema-`as const` plus a type-level
// converter (json-schema-to-ts) does the same with slower type checking and worse errors.
//
// The helpers here keep every schema *structural* in the Kubernetes sense
// (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
// every node has a `type`, no `$ref`, enums instead of `anyOf` of literals, maps as
// `additionalProperties` instead of TypeBox's `patternProperties`, free-form objects marked
// `x-kubernetes-preserve-unknown-fields`. `oneOf` branches carry only `required`, which the
// structural rules allow. Every field carries a `description` so `kubectl explain` helps.
import { Type, type TSchema, type TObject, type TProperties, type ObjectOptions } from "@sinclair/typebox";

export { Type, type Static } from "@sinclair/typebox";

/** An object whose unknown fields are errors (ajv) and pruned (apiserver). */
export function Obj<T extends TProperties>(description: string, properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, { description, additionalProperties: false, ...options });
}

/** A CEL rule the apiserver evaluates at admission (`x-kubernetes-validations`), see
 *  https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-rules.
 *  `fieldPath` points the error at a child field (".rewrite"), so the message names it. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Keywords the CRD generator drops from a node because its CEL rules say the same thing with
 *  a clearer message; ajv (file mode) still checks them. */
export const AJV_ONLY = "x-attache-ajv-only";

/** Options for one schema node: its CEL rules, plus the JSON Schema keywords (for ajv) that
 *  the rules replace in the CRD. Several calls' results combine with `checks()`. */
export function cel(rules: CelRule[], ajv: Record<string, unknown> = {}): ObjectOptions {
  return { ...ajv, "x-kubernetes-validations": rules, [AJV_ONLY]: Object.keys(ajv) };
}

/** Merges options from cel(), exactlyOneOf(), ... into one node's options. */
export function checks(...parts: ObjectOptions[]): ObjectOptions {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      merged[key] = Array.isArray(value) && Array.isArray(merged[key]) ? [...(merged[key] as unknown[]), ...value] : value;
    }
  }
  return merged;
}

const hasCount = (names: string[]) => `[${names.map((n) => `has(self.${n})`).join(", ")}].filter(x, x).size()`;

/** Exactly one of `names` must be set: a `oneOf` of `required` lists for ajv, a CEL rule for the apiserver. */
export function exactlyOneOf(...names: string[]): ObjectOptions {
  return cel([{ rule: `${hasCount(names)} == 1`, message: `exactly one of ${names.join(", ")} must be set` }],
    { oneOf: names.map((name) => ({ required: [name] })) });
}

/** At most one of `names` may be set. */
export function atMostOneOf(...names: string[]): ObjectOptions {
  const pairs: { required: string[] }[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push({ required: [names[i], names[j]] });
  return cel([{ rule: `${hasCount(names)} <= 1`, message: `at most one of ${names.join(", ")} may be set` }], { not: { anyOf: pairs } });
}

/** A string that must match `pattern` (RE2 and ECMAScript alike): a CEL rule with `message` for
 *  the apiserver, and for ajv either the same `pattern` or, with `modelChecked`, nothing, because
 *  the model checks the field with more specific messages (model/checks/glob.ts, model/checks/service-ref.ts).
 *  `maxLength` bounds the rule's cost estimate. */
export const Matching = (description: string, pattern: string, message: string, options: { maxLength?: number; modelChecked?: boolean } = {}) =>
  Type.String({ description, maxLength: options.maxLength ?? 253, ...cel([{ rule: `self.matches(${celString(pattern)})`, message }], options.modelChecked ? {} : { pattern }) });

/** A CEL string literal. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export const Str = (description: string, options: object = {}) => Type.String({ description, ...options });
export const Bool = (description: string) => Type.Boolean({ description });
export const Int = (description: string, options: object = {}) => Type.Integer({ description, ...options });

/** Go's time.ParseDuration syntax without a sign, as api/duration.ts parses it. */
export const DURATION_PATTERN = "^(0|([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+)$";

/** A Kubernetes-style duration string ("3s", "250ms", "1m30s"): `format: duration` for ajv
 *  (api/validator.ts registers it with api/duration.ts), the same syntax as a CEL rule for the
 *  apiserver (whose own `duration` format also takes "3 seconds" or "1d"). */
export const Duration = (description: string) =>
  Type.String({ description, maxLength: 64, ...cel([{ rule: `self.matches(${celString(DURATION_PATTERN)})`, message: 'must be a duration such as "3s", "250ms" or "1m30s"' }], { format: "duration" }) });

/** A string enum, emitted as `{type: string, enum: [...]}` (structural) but typed as a union. */
export function Enum<const T extends readonly string[]>(description: string, values: T) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

/** A string -> string map (labels, selectors). */
export const StringMap = (description: string) =>
  Type.Unsafe<Record<string, string>>({ type: "object", additionalProperties: { type: "string" }, description });

/** A free-form JSON object (filter configurations); checked later against the filter's own schema. */
export const FreeObject = (description: string) =>
  Type.Unsafe<Record<string, unknown>>({ type: "object", "x-kubernetes-preserve-unknown-fields": true, description });

export const StrList = (description: string, item: object = {}) =>
  Type.Array(Type.String(item), { description });

export const LabelSelector = Obj("Selects resources by their labels (all must match).", {
  matchLabels: Type.Optional(StringMap("Labels that must all be present with these values.")),
});

/** metav1.Condition (https://github.com/kubernetes/apimachinery/blob/master/pkg/apis/meta/v1/types.go). */
export const Condition = Obj("A metav1.Condition: one aspect of the resource's current state.", {
  type: Str("Condition type in CamelCase, e.g. Accepted or ResolvedRefs.", { maxLength: 316 }),
  status: Enum("True, False or Unknown.", ["True", "False", "Unknown"] as const),
  observedGeneration: Type.Optional(Int("metadata.generation the condition was computed from.", { minimum: 0 })),
  lastTransitionTime: Str("When the condition last changed status (RFC 3339).", { format: "date-time" }),
  reason: Str("Machine-readable CamelCase reason, e.g. Invalid or BackendNotFound.", { maxLength: 1024, minLength: 1 }),
  message: Str("Human-readable details, with the field path of every problem.", { maxLength: 32768 }),
}, { required: ["type", "status", "lastTransitionTime", "reason", "message"] } as ObjectOptions);

export const Status = Obj("Observed state, written by the Attaché control plane.", {
  conditions: Type.Optional(Type.Array(Condition, { description: "Accepted, and ResolvedRefs for resources that reference others." })),
});

/** The envelope every custom resource shares; `spec` is the kind's own schema. */
export function resourceSchema<S extends TSchema>(kind: string, spec: S) {
  return Type.Object({
    apiVersion: Type.Literal("attache.dev/v1alpha1", { description: "attache.dev/v1alpha1" }),
    kind: Type.Literal(kind, { description: kind }),
    metadata: Type.Object({
      name: Type.String({ description: "Resource name.", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
      namespace: Type.Optional(Type.String({ pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 })),
      labels: Type.Optional(StringMap("Labels.")),
      generation: Type.Optional(Type.Integer()),
      resourceVersion: Type.Optional(Type.String()),
    }, { additionalProperties: true }),
    spec,
    status: Type.Optional(Status),
  }, { additionalProperties: false });
}

export type Schema = TSchema;
