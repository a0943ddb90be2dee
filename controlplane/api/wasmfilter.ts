// WasmFilter: a proxy-wasm module and its default configuration (docs/design.md
// "Custom resources", "Filters on routes"). Routes enable it through Mapping.filters[].
import { Type, type Static, Obj, Str, Int, Enum, FreeObject, exactlyOneOf, resourceSchema } from "./schema-kit.ts";

export const BUILTIN_FILTERS = ["auth", "ratelimit", "canary"] as const;

const Sha256 = (description: string) => Str(description, { pattern: "^[a-f0-9]{64}$" });

export const WasmFilterSpec = Obj("A proxy-wasm filter available to Mappings.", {
  module: Obj("Where the module comes from: exactly one of builtin, local, url, configMap.", {
    builtin: Type.Optional(Enum("A built-in filter served by the control plane.", [...BUILTIN_FILTERS] as const)),
    local: Type.Optional(Str("A filter built from this repository's filters/<name> (build/filters/<name>.release.wasm), served by the control plane; for attache dev and filter authors.", { pattern: "^[a-z][a-z0-9-]*$" })),
    url: Type.Optional(Str("http(s) URL of the .wasm module (needs sha256).", { pattern: "^https?://" })),
    configMap: Type.Optional(Obj("A module stored in a ConfigMap's binaryData.", {
      name: Str("ConfigMap name (same namespace)."),
      key: Str("binaryData key."),
    }, { required: ["name", "key"] })),
    sha256: Type.Optional(Sha256("Lowercase hex SHA-256 of the module; required with url, checked with configMap.")),
  }, exactlyOneOf("builtin", "local", "url", "configMap")),
  rootId: Type.Optional(Str('proxy-wasm root id. Default "".')),
  config: Type.Optional(FreeObject("Default plugin configuration; checked against the built-in filter's config.schema.json.")),
  failurePolicy: Type.Optional(Enum("What Envoy does when the module fails. Default FailClosed for auth, FailOpen otherwise.", ["FailClosed", "FailOpen"] as const)),
  order: Type.Optional(Int("Position among filters of the same slot (auth, ratelimit, canary, custom); lower runs first. Default 0.", { minimum: 0, maximum: 999 })),
}, { required: ["module"] });

export const WasmFilterResource = resourceSchema("WasmFilter", WasmFilterSpec);
export type WasmFilterSpec = Static<typeof WasmFilterSpec>;
export type WasmFilter = Static<typeof WasmFilterResource>;
