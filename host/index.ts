// Public surface of @attache/proxy-wasm-host. runtime/ is the host an embedder runs modules in
// (ProxyWasmPlugin, ProxyWasmVm; devproxy/ is one); harness/ is the test harness on top of it,
// shaped like the Go SDK's proxytest, which filter tests import:
//   import { HostEmulator, EmulatorOptions, HeadersAction } from "@attache/proxy-wasm-host";
export * from "./runtime/abi/enums.ts";
export { decodeHeaderMap, encodeHeaderMap, splitPropertyPath, joinPropertyPath, PropertyValue, type HeaderPairs } from "./runtime/abi/serialization.ts";
export { FakeClock, systemClock, type Clock } from "./runtime/clock.ts";
export type { GrpcCall, HttpCallout, LocalResponse, HttpStreamState, RootContextState, StreamEvent } from "./runtime/contexts.ts";
export { ContextDispatcher, PluginStartError } from "./runtime/dispatcher.ts";
export { EmulatorOptions } from "./harness/emulator-options.ts";
export { HostEmulator, type Headers } from "./harness/emulator.ts";
export { VmFailure, type FailureKind, type FailurePolicy } from "./runtime/failure.ts";
export { MissingImportError, providedEnvFunctionNames } from "./runtime/imports/index.ts";
export type { ForeignFunction } from "./runtime/imports/host-api.ts";
export { compileProxyWasm, loadProxyWasmFile, ModuleLoadError, type CompiledProxyWasm } from "./runtime/loader.ts";
export { MetricsStore } from "./runtime/metrics.ts";
export { ProxyWasmPlugin, FAIL_CLOSED_STATUS, FAIL_CLOSED_DETAILS, type PluginOptions } from "./runtime/plugin.ts";
export { encodeProperty, propertyKey, type PropertyInput, type PropertySource } from "./runtime/properties.ts";
export { InProcessSharedData, type SetSharedResult, type SharedDataStore, type SharedValue } from "./runtime/shared-data.ts";
export { SharedQueueRegistry } from "./runtime/shared-queues.ts";
export { ProxyWasmVm, type LogEntry, type VmOptions } from "./runtime/vm.ts";
