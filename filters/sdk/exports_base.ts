// The module's side of proxy-wasm ABI 0.2.1 every filter needs: the ABI marker, the allocator,
// root and context lifecycles (creation, proxy_on_delete), request headers, and the answers
// to callouts, gRPC calls, queues, ticks and foreign functions. exports.ts adds the stream
// callbacks a filter may leave out (exports_stream.ts); a filter that implements none of
// them exports only this set, so the host skips those callbacks (cpp-host calls a callback
// only when the module exports it).
//
// Each callback looks the context up in the dispatcher and calls the matching method; a
// callback for a context the module does not know (e.g. created before a failed start)
// answers Continue and does nothing. L4 (network filter) callbacks are accepted as no-ops.
//
// Every callback that runs filter code is bracketed by enterCallback/leaveCallback (gc.ts): the
// minimal runtime collects garbage only when the outermost callback returns. Each export is a
// one-line wrapper around the handler below it, so no return path can skip leaveCallback.
import { FilterHeadersStatus, FilterStatus } from "./enums";
import { allocateForHost } from "./memory";
import { pluginConfiguration, vmConfiguration } from "./buffers";
import { createContext, deleteContext, getContext, getHttpContext, getRootContext } from "./dispatcher";
import { deliverHttpCallResponse, forgetHttpCalls, httpCallCaller } from "./http_call";
import { setEffectiveContext } from "./stream";
import { BaseContext } from "./context";
import { forgetGrpcCall, forgetGrpcCalls, grpcCaller } from "./grpc";
import { enterCallback, leaveCallback, leaveConfigureCallback } from "./gc";

/** ABI version marker: hosts detect the version from this export's name; never called. */
export function proxy_abi_version_0_2_1(): void {}

/** Allocator the host uses for every result it hands us (memory.ts frees after copying). */
export function malloc(size: usize): usize { return allocateForHost(size); }
export function proxy_on_memory_allocate(size: usize): usize { return allocateForHost(size); }

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void { enterCallback(); createContext(contextId, parentContextId); leaveCallback(); }

function readConfiguration(isVm: bool, size: u32): ArrayBuffer {
  if (size == 0) return new ArrayBuffer(0);
  const bytes = isVm ? vmConfiguration.get(0, size) : pluginConfiguration.get(0, size);
  return bytes !== null ? bytes : new ArrayBuffer(0);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): bool { enterCallback(); const result = onVmStart(rootContextId, vmConfigurationSize); leaveCallback(); return result; }
function onVmStart(rootContextId: u32, vmConfigurationSize: u32): bool {
  const root = getRootContext(rootContextId);
  return root !== null && root.onVmStart(readConfiguration(true, vmConfigurationSize));
}

export function proxy_validate_configuration(rootContextId: u32, configurationSize: u32): bool { enterCallback(); const result = validateConfiguration(rootContextId, configurationSize); leaveCallback(); return result; }
function validateConfiguration(rootContextId: u32, configurationSize: u32): bool {
  const root = getRootContext(rootContextId);
  return root !== null && root.validateConfiguration(readConfiguration(false, configurationSize));
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): bool { enterCallback(); const result = onConfigure(rootContextId, pluginConfigurationSize); leaveConfigureCallback(); return result; }
function onConfigure(rootContextId: u32, pluginConfigurationSize: u32): bool {
  const root = getRootContext(rootContextId);
  return root !== null && root.onConfigure(readConfiguration(false, pluginConfigurationSize));
}

export function proxy_on_tick(rootContextId: u32): void { enterCallback(); onTick(rootContextId); leaveCallback(); }
function onTick(rootContextId: u32): void {
  const root = getRootContext(rootContextId);
  if (root !== null) root.onTick();
}

export function proxy_on_queue_ready(rootContextId: u32, queueId: u32): void { enterCallback(); onQueueReady(rootContextId, queueId); leaveCallback(); }
function onQueueReady(rootContextId: u32, queueId: u32): void {
  const root = getRootContext(rootContextId);
  if (root !== null) root.onQueueReady(queueId);
}

export function proxy_on_foreign_function(rootContextId: u32, functionId: u32, argsSize: u32): void { enterCallback(); onForeignFunction(rootContextId, functionId, argsSize); leaveCallback(); }
function onForeignFunction(rootContextId: u32, functionId: u32, argsSize: u32): void {
  const root = getRootContext(rootContextId);
  if (root !== null) root.onForeignFunction(functionId, argsSize);
}

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: u32): FilterHeadersStatus { enterCallback(); const result = onRequestHeaders(contextId, numHeaders, endOfStream); leaveCallback(); return result; }
function onRequestHeaders(contextId: u32, numHeaders: u32, endOfStream: u32): FilterHeadersStatus {
  const context = getHttpContext(contextId);
  return context !== null ? context.onRequestHeaders(numHeaders, endOfStream != 0) : FilterHeadersStatus.Continue;
}

export function proxy_on_http_call_response(rootContextId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void { enterCallback(); onHttpCallResponse(rootContextId, token, numHeaders, bodySize, numTrailers); leaveCallback(); }
function onHttpCallResponse(rootContextId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  // Envoy answers on the root context that owns the call (cpp-host's http_call registers it on
  // the caller's root); the context that dispatched it is found by token. Host calls made in the
  // callback (continueRequest, sendLocalResponse) must act on that stream, as in the Rust and Go SDKs.
  const context = answeredContext(httpCallCaller(token, rootContextId));
  if (context !== null) deliverHttpCallResponse(context, token, numHeaders, bodySize, numTrailers);
}

/** The context a callout answer belongs to, made the effective one; null when it is gone. */
function answeredContext(callerId: u32): BaseContext | null {
  const context = getContext(callerId);
  if (context !== null) setEffectiveContext(callerId);
  return context;
}

// gRPC answers, like HTTP callout answers, arrive on the root context that owns the call; the
// context that started it (grpcCall/grpcStream `from`) is found by token (grpc.ts).
export function proxy_on_grpc_receive_initial_metadata(contextId: u32, token: u32, numHeaders: u32): void { enterCallback(); onGrpcReceiveInitialMetadata(contextId, token, numHeaders); leaveCallback(); }
function onGrpcReceiveInitialMetadata(contextId: u32, token: u32, numHeaders: u32): void {
  const context = answeredContext(grpcCaller(token, contextId));
  if (context !== null) context.onGrpcReceiveInitialMetadata(token, numHeaders);
}

export function proxy_on_grpc_receive(contextId: u32, token: u32, messageSize: u32): void { enterCallback(); onGrpcReceive(contextId, token, messageSize); leaveCallback(); }
function onGrpcReceive(contextId: u32, token: u32, messageSize: u32): void {
  const context = answeredContext(grpcCaller(token, contextId));
  if (context !== null) context.onGrpcReceive(token, messageSize);
}

export function proxy_on_grpc_receive_trailing_metadata(contextId: u32, token: u32, numTrailers: u32): void { enterCallback(); onGrpcReceiveTrailingMetadata(contextId, token, numTrailers); leaveCallback(); }
function onGrpcReceiveTrailingMetadata(contextId: u32, token: u32, numTrailers: u32): void {
  const context = answeredContext(grpcCaller(token, contextId));
  if (context !== null) context.onGrpcReceiveTrailingMetadata(token, numTrailers);
}

export function proxy_on_grpc_close(contextId: u32, token: u32, statusCode: u32): void { enterCallback(); onGrpcClose(contextId, token, statusCode); leaveCallback(); }
function onGrpcClose(contextId: u32, token: u32, statusCode: u32): void {
  const callerId = grpcCaller(token, contextId);
  forgetGrpcCall(token);
  const context = answeredContext(callerId);
  if (context !== null) context.onGrpcClose(token, statusCode);
}

export function proxy_on_delete(contextId: u32): void { enterCallback(); onDelete(contextId); leaveCallback(); }
function onDelete(contextId: u32): void {
  const context = getContext(contextId);
  if (context === null) return;
  context.onDelete();
  forgetHttpCalls(contextId);
  forgetGrpcCalls(contextId);
  deleteContext(contextId);
}

// L4 callbacks: Attaché filters are HTTP filters; as a network filter the module passes data on.
export function proxy_on_new_connection(contextId: u32): FilterStatus { return FilterStatus.Continue; }
export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): FilterStatus { return FilterStatus.Continue; }
export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): FilterStatus { return FilterStatus.Continue; }
export function proxy_on_downstream_connection_close(contextId: u32, peerType: u32): void {}
export function proxy_on_upstream_connection_close(contextId: u32, peerType: u32): void {}
