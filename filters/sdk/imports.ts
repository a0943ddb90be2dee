// Every host function of proxy-wasm ABI 0.2.1 (import module "env"), declared once.
// Signatures follow proxy-wasm/spec abi-versions/v0.2.1 and proxy-wasm-cpp-host src/exports.cc;
// docs/proxy-wasm-abi.md lists them in one table. All return a WasmResult
// (i32). `ret_*` parameters are pointers into our memory where the host writes u32 (or u64)
// values; `*_ptr_ptr` results point at memory the host obtained from our `malloc` export,
// which we own and free (see memory.ts).
// Only functions a module actually calls end up in its import section, so a filter that never
// makes a gRPC call does not import proxy_grpc_call.

// Logging
@external("env", "proxy_log")
export declare function proxy_log(level: u32, messagePtr: usize, messageLen: usize): u32;
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(retLevel: usize): u32;

// Timers and clock
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMs: u32): u32;
@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(retTime: usize): u32;

// Properties
@external("env", "proxy_get_property")
export declare function proxy_get_property(pathPtr: usize, pathLen: usize, retPtrPtr: usize, retLenPtr: usize): u32;
@external("env", "proxy_set_property")
export declare function proxy_set_property(pathPtr: usize, pathLen: usize, valuePtr: usize, valueLen: usize): u32;

// Buffers (bodies, configuration, call data)
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: u32, start: u32, maxSize: u32, retPtrPtr: usize, retLenPtr: usize): u32;
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: u32, start: u32, size: u32, dataPtr: usize, dataLen: usize): u32;
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(bufferType: u32, retLen: usize, retFlags: usize): u32;

// Header maps
@external("env", "proxy_get_header_map_size")
export declare function proxy_get_header_map_size(mapType: u32, retSize: usize): u32;
@external("env", "proxy_get_header_map_pairs")
export declare function proxy_get_header_map_pairs(mapType: u32, retPtrPtr: usize, retLenPtr: usize): u32;
@external("env", "proxy_set_header_map_pairs")
export declare function proxy_set_header_map_pairs(mapType: u32, ptr: usize, len: usize): u32;
@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(mapType: u32, keyPtr: usize, keyLen: usize, retPtrPtr: usize, retLenPtr: usize): u32;
@external("env", "proxy_add_header_map_value")
export declare function proxy_add_header_map_value(mapType: u32, keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): u32;
@external("env", "proxy_replace_header_map_value")
export declare function proxy_replace_header_map_value(mapType: u32, keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): u32;
@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(mapType: u32, keyPtr: usize, keyLen: usize): u32;

// Stream control
@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: u32): u32;
@external("env", "proxy_close_stream")
export declare function proxy_close_stream(streamType: u32): u32;
@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(
  statusCode: u32, detailsPtr: usize, detailsLen: usize, bodyPtr: usize, bodyLen: usize,
  headersPtr: usize, headersLen: usize, grpcStatus: i32): u32;

// HTTP and gRPC callouts
@external("env", "proxy_http_call")
export declare function proxy_http_call(
  upstreamPtr: usize, upstreamLen: usize, headersPtr: usize, headersLen: usize,
  bodyPtr: usize, bodyLen: usize, trailersPtr: usize, trailersLen: usize,
  timeoutMs: u32, retToken: usize): u32;
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(
  upstreamPtr: usize, upstreamLen: usize, servicePtr: usize, serviceLen: usize,
  methodPtr: usize, methodLen: usize, metadataPtr: usize, metadataLen: usize,
  messagePtr: usize, messageLen: usize, timeoutMs: u32, retToken: usize): u32;
@external("env", "proxy_grpc_stream")
export declare function proxy_grpc_stream(
  upstreamPtr: usize, upstreamLen: usize, servicePtr: usize, serviceLen: usize,
  methodPtr: usize, methodLen: usize, metadataPtr: usize, metadataLen: usize, retToken: usize): u32;
@external("env", "proxy_grpc_send")
export declare function proxy_grpc_send(token: u32, messagePtr: usize, messageLen: usize, endStream: u32): u32;
@external("env", "proxy_grpc_cancel")
export declare function proxy_grpc_cancel(token: u32): u32;
@external("env", "proxy_grpc_close")
export declare function proxy_grpc_close(token: u32): u32;
@external("env", "proxy_get_status")
export declare function proxy_get_status(retCode: usize, retMessagePtrPtr: usize, retMessageLenPtr: usize): u32;

// Shared data and queues
@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize, cas: u32): u32;
@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keyLen: usize, retValuePtrPtr: usize, retValueLenPtr: usize, retCas: usize): u32;
@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(namePtr: usize, nameLen: usize, retQueueId: usize): u32;
@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdLen: usize, namePtr: usize, nameLen: usize, retQueueId: usize): u32;
@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(queueId: u32, valuePtr: usize, valueLen: usize): u32;
@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(queueId: u32, retPtrPtr: usize, retLenPtr: usize): u32;

// Metrics
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: u32, namePtr: usize, nameLen: usize, retMetricId: usize): u32;
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, delta: i64): u32;
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): u32;
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, retValue: usize): u32;

// Contexts
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): u32;
@external("env", "proxy_done")
export declare function proxy_done(): u32;
@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(
  namePtr: usize, nameLen: usize, argsPtr: usize, argsLen: usize, retPtrPtr: usize, retLenPtr: usize): u32;
