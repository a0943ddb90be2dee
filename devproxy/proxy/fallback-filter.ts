// A discovered (ECDS) HTTP filter before its config arrived runs its default config, as
// Envoy does (extension.proto ExtensionConfigSource.default_config). The control plane's
// default is an HTTPFault (translate/wasm.ts): abort every request with a status for a
// FAIL_CLOSED filter, nothing for a FAIL_OPEN one. Envoy's fault filter answers an abort with
// the body "fault filter abort".
import type { FilterFallback } from "../config/listeners.ts";
import { CONTINUE, type FilterFactory, type FilterResult, type HttpFilterInstance } from "./filters.ts";

const cache = new Map<string, FilterFactory>();

export function fallbackFilter(name: string, fallback: FilterFallback): FilterFactory {
  const key = `${name}\u0000${fallback.kind === "abort" ? fallback.status : "pass"}`;
  let factory = cache.get(key);
  if (!factory) {
    const onRequest: FilterResult = fallback.kind === "abort"
      ? { kind: "reply", reply: { status: fallback.status, headers: [["content-type", "text/plain"]], body: "fault filter abort" } }
      : CONTINUE;
    const instance: HttpFilterInstance = { onRequestHeaders: () => onRequest, onResponseHeaders: () => CONTINUE, onDone: () => undefined };
    factory = { name, createInstance: () => instance };
    cache.set(key, factory);
  }
  return factory;
}
