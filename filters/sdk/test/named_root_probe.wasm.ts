// Test-only module registering a root context for root id "only-this" and no default: a plugin
// with any other root id must fail to start with a critical log line (dispatcher.ts).
export * from "../exports";
import { RootContext, registerRootContext } from "..";

registerRootContext((contextId: u32): RootContext => new RootContext(contextId), "only-this");
