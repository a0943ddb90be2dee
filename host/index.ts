// Public surface of the Node proxy-wasm host. Filter tests import from here:
//   import { HostEmulator, EmulatorOptions, HeadersAction } from "../../host/index.ts";
// Embedders (devproxy/) use ProxyWasmPlugin / ProxyWasmVm / IsolatedPlugin directly.
export * from "./abi/enums.ts";
export { decodeHeaderMap, encodeHeaderMap, splitPropertyPath, joinPropertyPath, PropertyValue, type HeaderPairs } from "./abi/serialization.ts";
export { FakeClock, systemClock, type Clock } from "./clock.ts";
export type { GrpcCall, HttpCallout, LocalResponse, HttpStreamState, RootContextState, StreamEvent } from "./contexts.ts";
export { ContextDispatcher, PluginStartError } from "./dispatcher.ts";
export { EmulatorOptions } from "./emulator-options.ts";
export { HostEmulator, type Headers } from "./emulator.ts";
export { VmFailure, type FailureKind, type FailurePolicy } from "./failure.ts";
export { MissingImportError, providedEnvFunctionNames } from "./imports/index.ts";
export type { ForeignFunction } from "./imports/host-api.ts";
export { compileProxyWasm, loadProxyWasmFile, ModuleLoadError, type CompiledProxyWasm } from "./loader.ts";
export { MetricsStore } from "./metrics.ts";
export { ProxyWasmPlugin, FAIL_CLOSED_STATUS, FAIL_CLOSED_DETAILS, type PluginOptions } from "./plugin.ts";
export { encodeProperty, propertyKey, type PropertyInput, type PropertySource } from "./properties.ts";
export { InProcessSharedData, type SharedDataStore } from "./shared-data.ts";
export { SharedQueueRegistry } from "./shared-queues.ts";
export { ProxyWasmVm, type LogEntry, type VmOptions } from "./vm.ts";
