// What SotW and Delta streams share: the Node kept from the first request (later requests may
// omit it), per-stream nonces, the snapshot of the node's group, ACK/NACK bookkeeping by nonce
// (a NACK is a request with error_detail set, never a version comparison), and the client
// record behind ClientInfo. Subclasses implement the protocol's subscription and send rules.
import type * as grpc from "@grpc/grpc-js";
import type { SnapshotCache, SnapshotWatcher } from "./cache.ts";
import type { SendBudget } from "./send-budget.ts";
import type { Snapshot, SnapshotChanges, TypeChange, TypeSnapshot } from "./snapshot.ts";
import { PUSH_ORDER, type AckRecord, type ClientInfo, type NackRecord, type NodeInfo } from "./types.ts";
import { truncatePeerText } from "./peer-text.ts";

export interface PushRecord {
  streamId: number;
  protocol: "sotw" | "delta";
  typeUrl: string;
  version: string;
  nonce: string;
  bytes: number;
  resources: number;
  removed: number;
  /** The snapshot this push belongs to was set at (performance.now()). */
  snapshotSetAt: number;
}

/** The server side of a stream: where records go. */
export interface StreamHost {
  cache: SnapshotCache;
  maxResponseBytes: number;
  budget: SendBudget;
  ack(record: AckRecord): void;
  nack(record: NackRecord): void;
  push(record: PushRecord): void;
  problem(streamId: number, message: string): void;
}

interface SentResponse {
  typeUrl: string;
  version: string;
  snapshotSetAt: number;
}

/** Nonces remembered per stream, so ACKs/NACKs of split responses are attributed. */
const NONCE_MEMORY = 256;
const EMPTY_NODE: NodeInfo = { id: "", cluster: "", metadata: {} };

export type PushPhase = "update" | "remove";

export abstract class AdsStream<Req extends { node?: NodeInfo; type_url: string; response_nonce: string; error_detail?: { message: string } }> implements SnapshotWatcher {
  abstract readonly protocol: "sotw" | "delta";
  node?: NodeInfo;
  group?: string;
  protected snapshot?: Snapshot;
  private unwatch?: () => void;
  private nonceSeq = 0;
  private readonly sentNonces = new Map<string, SentResponse>();
  private readonly connectedAt = new Date().toISOString();
  private readonly acked: Record<string, string> = {};
  private readonly sentVersions: Record<string, string> = {};
  private lastNack?: ClientInfo["lastNack"];
  private closed = false;
  /** Responses decided but not yet written (built lazily, see SendBudget). */
  private readonly queue: Array<() => void> = [];
  private writing = false;
  private bytesInFlight = 0;

  constructor(
    readonly id: number,
    protected readonly host: StreamHost,
    private readonly call: grpc.ServerDuplexStream<Req, Buffer>,
  ) {
    call.on("data", (req: Req) => {
      try {
        this.receive(req);
      } catch (err) {
        host.problem(id, `request for ${req.type_url}: ${(err as Error).message}`);
      }
    });
    const end = () => this.close();
    call.on("end", () => {
      end();
      call.end();
    });
    call.on("error", end);
    call.on("cancelled", end);
    call.on("close", end);
  }

  private receive(req: Req): void {
    if (this.closed) return;
    if (!this.node) {
      this.node = req.node ?? EMPTY_NODE;
      this.group = this.host.cache.groupOf(this.node);
      this.snapshot = this.host.cache.snapshot(this.group);
      this.unwatch = this.host.cache.watch(this.group, this);
    }
    this.onRequest(req);
  }

  protected abstract onRequest(req: Req): void;
  /** Sends what a snapshot change means for one type in one phase. */
  protected abstract pushType(typeUrl: string, change: TypeChange, phase: PushPhase): void;
  /** Every change of this type has been sent: the client now holds the snapshot's set. */
  protected abstract caughtUp(typeUrl: string, type: TypeSnapshot): void;

  onSnapshot(snapshot: Snapshot, changes: SnapshotChanges): void {
    if (this.closed) return;
    this.snapshot = snapshot;
    try {
      // Make before break: every type's additions and updates first, in PUSH_ORDER, then
      // every type's removals (xds_protocol.rst "Eventual consistency considerations").
      for (const typeUrl of PUSH_ORDER) {
        const change = changes.get(typeUrl);
        if (change) this.pushType(typeUrl, change, "update");
      }
      for (const typeUrl of PUSH_ORDER) {
        const change = changes.get(typeUrl);
        if (change?.removed.length) this.pushType(typeUrl, change, "remove");
      }
      for (const typeUrl of changes.keys()) {
        const type = snapshot.types.get(typeUrl);
        if (type) this.caughtUp(typeUrl, type);
      }
    } catch (err) {
      this.host.problem(this.id, `push of snapshot ${snapshot.version}: ${(err as Error).message}`);
    }
  }

  protected nextNonce(): string {
    return (++this.nonceSeq).toString(36);
  }

  /** Queues a response: its nonce and version count as sent now (ACKs may refer to them),
   *  its bytes are built when the stream and the shared budget are free. */
  protected send(build: () => Buffer, typeUrl: string, version: string, nonce: string, resources: number, removed: number): void {
    if (this.closed) return;
    const snapshotSetAt = this.snapshot?.setAt ?? performance.now();
    this.sentNonces.set(nonce, { typeUrl, version, snapshotSetAt });
    if (this.sentNonces.size > NONCE_MEMORY) this.sentNonces.delete(this.sentNonces.keys().next().value!);
    this.sentVersions[typeUrl] = version;
    this.queue.push(() => {
      const bytes = build();
      this.bytesInFlight = bytes.length;
      this.host.budget.take(bytes.length);
      this.host.push({ streamId: this.id, protocol: this.protocol, typeUrl, version, nonce, bytes: bytes.length, resources, removed, snapshotSetAt });
      try {
        this.call.write(bytes, () => this.written());
      } catch (err) {
        // The peer is gone: give the budget back so other streams keep moving.
        this.host.problem(this.id, `write failed: ${(err as Error).message}`);
        this.close();
      }
    });
    this.pump();
  }

  private pump(): void {
    if (this.writing || !this.queue.length || this.closed) return;
    this.writing = true;
    this.host.budget.acquire(() => {
      if (this.closed) return this.host.budget.release(0);
      this.queue.shift()!();
    });
  }

  private written(): void {
    if (!this.writing) return;
    this.host.budget.release(this.bytesInFlight);
    this.bytesInFlight = 0;
    this.writing = false;
    this.pump();
  }

  /** Records the ACK or NACK a request carries; returns which it was ("none" for a first
   *  request or an unknown nonce). */
  protected recordResponse(req: Req, clientVersion: string): "ack" | "nack" | "none" {
    if (!req.response_nonce) return "none";
    const sent = this.sentNonces.get(req.response_nonce);
    if (!sent || sent.typeUrl !== req.type_url) return "none";
    const node = this.node ?? EMPTY_NODE;
    if (req.error_detail) {
      const at = new Date().toISOString();
      const message = truncatePeerText(String(req.error_detail.message ?? ""));
      this.lastNack = { typeUrl: req.type_url, version: sent.version, nonce: req.response_nonce, message, at };
      this.host.nack({ nodeId: node.id, cluster: node.cluster, streamId: this.id, typeUrl: req.type_url, version: sent.version, nonce: req.response_nonce, keptVersion: clientVersion, message, at });
      return "nack";
    }
    this.acked[req.type_url] = sent.version;
    this.host.ack({ nodeId: node.id, cluster: node.cluster, streamId: this.id, typeUrl: req.type_url, version: sent.version, nonce: req.response_nonce, latencyMs: performance.now() - sent.snapshotSetAt });
    return "ack";
  }

  protected abstract subscriptions(): Record<string, string[]>;

  info(): ClientInfo {
    const node = this.node ?? EMPTY_NODE;
    return {
      streamId: this.id,
      id: node.id,
      cluster: node.cluster,
      group: this.group ?? "",
      protocol: this.protocol,
      connectedAt: this.connectedAt,
      acked: { ...this.acked },
      sent: { ...this.sentVersions },
      ...(this.lastNack ? { lastNack: { ...this.lastNack } } : {}),
      subscriptions: this.subscriptions(),
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.queue.length = 0;
    this.written(); // give back what was in flight
    this.onClose?.();
  }

  onClose?: () => void;
}

/** Splits items into consecutive groups whose summed size stays under `limit` (an item larger
 *  than the limit goes alone: it cannot be split further). */
export function chunkBySize<T>(items: readonly T[], size: (item: T) => number, limit: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const s = size(item);
    if (current.length && total + s > limit) {
      chunks.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += s;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
