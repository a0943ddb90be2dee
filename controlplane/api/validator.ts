// Runtime validation of custom resources against the same TypeBox schemas the CRDs are
// generated from (ajv, all errors). Messages name the field path in Kubernetes style
// (`spec.headers[0].regex`) and say what is wrong in a user's words, never ajv's schema paths.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { KINDS } from "./kinds.ts";
import { isDuration } from "./duration.ts";

export interface FieldError {
  path: string; // "spec.timeout"; "" for the whole resource
  message: string;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
ajv.addFormat("duration", { type: "string", validate: isDuration });
ajv.addFormat("date-time", { type: "string", validate: (s: string) => !Number.isNaN(Date.parse(s)) });

const validators = new Map<string, ValidateFunction>(KINDS.map((k) => [k.kind, ajv.compile(k.resource)]));

// Filter config schemas (filters/<name>/config.schema.json) are JSON Schema 2020-12.
const ajv2020 = new Ajv2020({ allErrors: true, verbose: true, strict: false });

/** Validate a JSON value against a JSON Schema 2020-12 (filter config schemas), same message style. */
export function compileSchema(schema: object): (value: unknown, basePath: string) => FieldError[] {
  const validate = ajv2020.compile(schema);
  return (value, basePath) => (validate(value) ? [] : toFieldErrors(validate.errors ?? [], basePath));
}

export function validateResourceSchema(object: unknown): FieldError[] {
  const kind = (object as { kind?: unknown })?.kind;
  const validate = typeof kind === "string" ? validators.get(kind) : undefined;
  if (!validate) return [{ path: "kind", message: `unsupported kind ${JSON.stringify(kind)}` }];
  return validate(object) ? [] : toFieldErrors(validate.errors ?? [], "");
}

/** ajv instancePath "/spec/headers/0/name" -> "spec.headers[0].name". */
export function toFieldPath(instancePath: string, basePath = ""): string {
  let path = basePath;
  for (const raw of instancePath.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function toFieldErrors(errors: ErrorObject[], basePath: string): FieldError[] {
  // Errors inside a oneOf/not branch only explain why a branch failed; the oneOf/not error
  // itself says it better ("exactly one of prefix, path, regex must be set").
  const combinators = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "not" || e.keyword === "anyOf");
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (combinators.some((c) => c !== error && error.schemaPath.startsWith(`${c.schemaPath}/`))) continue;
    const fieldError = toFieldError(error, basePath);
    const key = `${fieldError.path}\0${fieldError.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push(fieldError);
    }
  }
  return result;
}

function branchNames(schema: unknown): string[] {
  const branches = (schema as { required?: string[] }[] | { anyOf?: { required?: string[] }[] }) ?? [];
  const list = Array.isArray(branches) ? branches : branches.anyOf ?? [];
  return [...new Set(list.flatMap((b) => b.required ?? []))];
}

function toFieldError(error: ErrorObject, basePath: string): FieldError {
  const path = toFieldPath(error.instancePath, basePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return { path: join(path, String(params.additionalProperty)), message: "unknown field" };
    case "required":
      return { path: join(path, String(params.missingProperty)), message: "required field is missing" };
    case "oneOf": {
      const names = branchNames(error.schema);
      const passing = params.passingSchemas as number[] | null;
      return passing
        ? { path, message: `only one of ${names.join(", ")} may be set (found ${passing.map((i) => names[i]).join(" and ")})` }
        : { path, message: `exactly one of ${names.join(", ")} must be set` };
    }
    case "not":
      return { path, message: `at most one of ${branchNames(error.schema).join(", ")} may be set` };
    case "format":
      if (params.format === "duration") {
        return { path, message: `invalid duration ${describe(error.data)} (use e.g. "3s", "250ms", "1m30s")` };
      }
      return { path, message: `${describe(error.data)} is not a valid ${String(params.format)}` };
    case "pattern": {
      // The CEL rule written for the apiserver says what the pattern means (schema-kit.ts Matching).
      const rules = (error.parentSchema as { "x-kubernetes-validations"?: { message: string }[] } | undefined)?.["x-kubernetes-validations"];
      if (rules?.length) return { path, message: `${describe(error.data)} ${rules[0].message}` };
      if (params.pattern === "^[a-f0-9]{64}$") {
        return { path, message: `${describe(error.data)} is not a SHA-256 digest (64 lowercase hex characters)` };
      }
      return { path, message: `${describe(error.data)} must match ${String(params.pattern)}` };
    }
    case "enum":
      return { path, message: `${describe(error.data)} is not one of ${(params.allowedValues as unknown[]).map((v) => describe(v)).join(", ")}` };
    case "const":
      return { path, message: `must be ${describe(params.allowedValue)} (got ${describe(error.data)})` };
    case "type":
      return { path, message: `must be ${String(params.type)} (got ${describe(error.data)})` };
    default:
      return { path, message: `${error.message ?? error.keyword} (got ${describe(error.data)})` };
  }
}
