// Shared queues: a root context registers a named queue; any VM (same or other vm_id) resolves
// it and enqueues byte messages; the host then calls onQueueReady(queueId) on the registering
// root context, which dequeues until empty.
import {
  proxy_dequeue_shared_queue, proxy_enqueue_shared_queue, proxy_register_shared_queue,
  proxy_resolve_shared_queue,
} from "./imports";
import { WasmResult } from "./enums";
import { RET_EXTRA, RET_LEN, RET_PTR, clearResultSlots, takeHostBytes } from "./memory";
import { reportUnexpected } from "./log";

export class SharedQueue {
  constructor(public readonly id: u32) {}

  /** Adds a message; false (and a log line) if the queue no longer exists. */
  enqueue(message: ArrayBuffer): bool {
    const result = <WasmResult>proxy_enqueue_shared_queue(this.id, changetype<usize>(message), message.byteLength);
    if (result == WasmResult.Ok) return true;
    reportUnexpected("proxy_enqueue_shared_queue", result);
    return false;
  }

  /** The oldest message, or null when the queue is empty. */
  dequeue(): ArrayBuffer | null {
    clearResultSlots();
    const result = <WasmResult>proxy_dequeue_shared_queue(this.id, RET_PTR, RET_LEN);
    if (result == WasmResult.Ok) return takeHostBytes();
    if (result != WasmResult.Empty) reportUnexpected("proxy_dequeue_shared_queue", result);
    return null;
  }
}

/** Registers (or re-opens) the queue `name` owned by the calling root context. */
export function registerSharedQueue(name: string): SharedQueue | null {
  const nameBytes = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_register_shared_queue(changetype<usize>(nameBytes), nameBytes.byteLength, RET_EXTRA);
  if (result == WasmResult.Ok) return new SharedQueue(load<u32>(RET_EXTRA));
  reportUnexpected("proxy_register_shared_queue(" + name + ")", result);
  return null;
}

/** Finds queue `name` registered by a VM with id `vmId`; null when nobody registered it. */
export function resolveSharedQueue(vmId: string, name: string): SharedQueue | null {
  const vmIdBytes = String.UTF8.encode(vmId);
  const nameBytes = String.UTF8.encode(name);
  store<u32>(RET_EXTRA, 0);
  const result = <WasmResult>proxy_resolve_shared_queue(
    changetype<usize>(vmIdBytes), vmIdBytes.byteLength, changetype<usize>(nameBytes), nameBytes.byteLength, RET_EXTRA);
  if (result == WasmResult.Ok) return new SharedQueue(load<u32>(RET_EXTRA));
  if (result != WasmResult.NotFound) reportUnexpected("proxy_resolve_shared_queue(" + name + ")", result);
  return null;
}
