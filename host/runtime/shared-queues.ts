// Shared queues of proxy-wasm (docs/proxy-wasm-abi.md: proxy_register/resolve/enqueue/dequeue_shared_queue;
// proxy-wasm-cpp-host src/shared_queue.cc): a root context registers a queue by name under its
// vm_id and gets a queue id; any VM resolves (vm_id, name) to that id and enqueues; the
// registering root context is told through proxy_on_queue_ready. Envoy posts that callback to
// the owner's thread; here the owner VM defers it until its current callback returns.

export interface QueueOwner {
  /** Delivers proxy_on_queue_ready(rootContextId, queueId) (possibly deferred). */
  notifyQueueReady(rootContextId: number, queueId: number): void;
}

interface Queue {
  id: number;
  vmId: string;
  name: string;
  owner: QueueOwner;
  rootContextId: number;
  items: Uint8Array[];
}

export class SharedQueueRegistry {
  private readonly byId = new Map<number, Queue>();
  private readonly byName = new Map<string, Queue>();
  private nextId = 1;

  private static key(vmId: string, name: string): string {
    return `${vmId}\0${name}`;
  }

  /** Registering the same (vm_id, name) again returns the same id with the new owner. */
  register(vmId: string, name: string, owner: QueueOwner, rootContextId: number): number {
    const key = SharedQueueRegistry.key(vmId, name);
    const existing = this.byName.get(key);
    if (existing) {
      existing.owner = owner;
      existing.rootContextId = rootContextId;
      return existing.id;
    }
    const queue: Queue = { id: this.nextId++, vmId, name, owner, rootContextId, items: [] };
    this.byId.set(queue.id, queue);
    this.byName.set(key, queue);
    return queue.id;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byName.get(SharedQueueRegistry.key(vmId, name))?.id;
  }

  /** false when the queue id is unknown (NotFound). */
  enqueue(queueId: number, value: Uint8Array): boolean {
    const queue = this.byId.get(queueId);
    if (!queue) return false;
    queue.items.push(value.slice());
    queue.owner.notifyQueueReady(queue.rootContextId, queue.id);
    return true;
  }

  /** undefined: unknown queue; null: queue empty. */
  dequeue(queueId: number): Uint8Array | null | undefined {
    const queue = this.byId.get(queueId);
    if (!queue) return undefined;
    return queue.items.shift() ?? null;
  }

  /** Drops the queues a VM owned (it went away); later enqueues answer NotFound. */
  dropOwner(owner: QueueOwner): void {
    for (const queue of [...this.byId.values()]) {
      if (queue.owner !== owner) continue;
      this.byId.delete(queue.id);
      this.byName.delete(SharedQueueRegistry.key(queue.vmId, queue.name));
    }
  }
}
