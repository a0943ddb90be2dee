// Filter configurations checked against the filter's own JSON schema
// (filters/<name>/config.schema.json), so a typo in a Mapping's rateLimit or a WasmFilter's
// config is reported on that resource instead of failing the filter's onConfigure in Envoy.
import { compileSchema, type FieldError } from "../../api/validator.ts";

type Check = (value: unknown, basePath: string) => FieldError[];
const compiled = new WeakMap<object, Check>();

function checker(schema: object): Check {
  let check = compiled.get(schema);
  if (!check) {
    try {
      // Filter schemas are JSON Schema 2020-12 with local $refs; their $id is dropped so that
      // reloading a schema (tests, a rebuilt filter) never collides with the compiled one.
      const { $id: _id, ...rest } = schema as { $id?: string };
      check = compileSchema(rest);
    } catch (error) {
      const message = `the filter's config.schema.json does not compile: ${(error as Error).message}`;
      check = () => [{ path: "", message }];
    }
    compiled.set(schema, check);
  }
  return check;
}

/** Check a whole plugin configuration (WasmFilter spec.config). */
export function checkFilterConfig(schema: object | undefined, config: unknown, path: string): FieldError[] {
  if (!schema) return [];
  return checker(schema)(config ?? {}, path);
}

/** Check one route's settings: validated as `{routes: {<route>: settings}}` against the full
 *  schema, keeping only errors inside that route (top-level requirements are the
 *  WasmFilter's business), re-rooted at the Mapping field `path`. */
export function checkRouteSettings(schema: object | undefined, routeName: string, settings: unknown, path: string): FieldError[] {
  if (!schema) return [];
  const marker = "\u0000route";
  const errors = checker(schema)({ routes: { [routeName]: settings } }, marker);
  const prefix = `${marker}.routes[${JSON.stringify(routeName)}]`;
  return errors
    .filter((e) => e.path === prefix || e.path.startsWith(`${prefix}.`) || e.path.startsWith(`${prefix}[`))
    .map((e) => ({ path: path + e.path.slice(prefix.length), message: e.message }));
}
