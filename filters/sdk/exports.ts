// The module's side of proxy-wasm ABI 0.2.1: the ABI marker, the allocator and every callback
// the host may call. A filter makes them its own exports with one line in its index.ts:
//
//   export * from "@attache/proxy-wasm-sdk/exports";
//
// exports_base.ts holds what every filter needs; exports_stream.ts the stream callbacks a
// filter may leave out. A filter that overrides few of those can export the base and just
// those instead (the built-in filters do), and the host skips the rest.
export * from "./exports_base";
export * from "./exports_stream";
