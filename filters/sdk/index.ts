// Public API of the Attaché AssemblyScript SDK for proxy-wasm ABI 0.2.1 (filters/sdk/README.md).
// Filters import from "@attache/proxy-wasm-sdk" and add `export * from "@attache/proxy-wasm-sdk/exports";` to their index.ts.
export * from "./enums";
export * from "./context";
export { ConfiguredRootContext } from "./configured_root";
export { registerRootContext, RootContextFactory, getRootContext, getHttpContext } from "./dispatcher";
export * from "./log";
export {
  HeaderPair, HeaderMap, serializeHeaders, deserializeHeaders,
  requestHeaders, requestTrailers, responseHeaders, responseTrailers,
  httpCallResponseHeaders, httpCallResponseTrailers, grpcReceiveInitialMetadata, grpcReceiveTrailingMetadata,
} from "./headers";
export * from "./buffers";
export * from "./properties";
export { RouteMap, RouteSettingsResolver, ROUTE_NAME_FIELD, ROUTE_SETTINGS_METADATA } from "./route_map";
export { BorrowedBytes } from "./memory";
export * from "./local_response";
export { HttpCallResponse, HttpCallCallback, HttpCallDispatch, dispatchHttpCall, pendingHttpCallCount } from "./http_call";
export * from "./shared_data";
export * from "./shared_queue";
export * from "./metrics";
export * from "./time";
export * from "./stream";
export * from "./json";
export * from "./json_view";
export * from "./grpc";
