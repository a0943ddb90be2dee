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

/** Exactly one of `names` must be set (a structural-valid `oneOf` of `required` lists). */
export function exactlyOneOf(...names: string[]): ObjectOptions {
  return { oneOf: names.map((name) => ({ required: [name] })) };
}

/** At most one of `names` may be set. */
export function atMostOneOf(...names: string[]): ObjectOptions {
  const pairs: { required: string[] }[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push({ required: [names[i], names[j]] });
  return { not: { anyOf: pairs } };
}

export const Str = (description: string, options: object = {}) => Type.String({ description, ...options });
export const Bool = (description: string) => Type.Boolean({ description });
export const Int = (description: string, options: object = {}) => Type.Integer({ description, ...options });

/** A Kubernetes-style duration string ("3s", "250ms", "1m30s"); `format: duration` is one of
 *  the formats the apiserver checks, and api/validator.ts registers the same format in ajv. */
export const Duration = (description: string) => Type.String({ description, format: "duration" });

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
