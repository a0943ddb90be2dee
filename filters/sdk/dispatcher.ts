// One table from context id to context object routes every exported callback (the Rust SDK's
// dispatcher.rs; context_table.ts). Root contexts are created from factories registered by root id: at
// proxy_on_context_create(id, 0) the dispatcher reads the `plugin_root_id` property and uses the
// factory registered under it, else the default one (registered with root id "").
import { BaseContext, HttpContext, RootContext } from "./context";
import { getPluginRootId } from "./properties";
import { logCritical } from "./log";
import { ContextTable } from "./context_table";

export type RootContextFactory = (contextId: u32) => RootContext;

const factories = new Map<string, RootContextFactory>();
const rootContexts = new ContextTable<RootContext>();
const httpContexts = new ContextTable<HttpContext>();

/**
 * Registers how to create the root context for `rootId` ("" = any root id without its own
 * registration). Call it at the top level of the filter's index.ts, which runs in _initialize
 * before the host creates any context.
 */
export function registerRootContext(factory: RootContextFactory, rootId: string = ""): void {
  factories.set(rootId, factory);
}

/** A root created without a matching registration: fails VM start so the plugin is rejected. */
export class UnregisteredRootContext extends RootContext {
  constructor(contextId: u32, public readonly rootId: string) { super(contextId); }
  onVmStart(vmConfiguration: ArrayBuffer): bool {
    logCritical("proxy-wasm sdk: no root context registered for root id '" + this.rootId + "' and no default; call registerRootContext in the filter's index.ts");
    return false;
  }
  onConfigure(configuration: ArrayBuffer): bool { return false; }
}

export function createContext(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    const named = getPluginRootId();
    const rootId = named !== null ? named : "";
    let root: RootContext;
    if (factories.has(rootId)) root = factories.get(rootId)(contextId);
    else if (factories.has("")) root = factories.get("")(contextId);
    else root = new UnregisteredRootContext(contextId, rootId);
    rootContexts.set(contextId, root);
    return;
  }
  const parent = rootContexts.get(parentId);
  if (parent === null) {
    logCritical("proxy-wasm sdk: context " + contextId.toString() + " created under unknown root " + parentId.toString());
    return;
  }
  httpContexts.set(contextId, parent.createHttpContext(contextId));
}

export function getRootContext(contextId: u32): RootContext | null {
  return rootContexts.get(contextId);
}

export function getHttpContext(contextId: u32): HttpContext | null {
  return httpContexts.get(contextId);
}

export function getContext(contextId: u32): BaseContext | null {
  const http = httpContexts.get(contextId);
  if (http !== null) return http;
  return rootContexts.get(contextId);
}

/** Forgets a context after proxy_on_delete. */
export function deleteContext(contextId: u32): void {
  if (!httpContexts.delete(contextId)) rootContexts.delete(contextId);
}
