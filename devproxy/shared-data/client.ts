// A worker thread's view of the shared-data thread: implements host/'s synchronous
// SharedDataStore over its channel (see protocol.ts).
import type { SetSharedResult, SharedDataStore, SharedValue } from "../../host/shared-data.ts";
import {
  OP_ATTACH, OP_DETACH, OP_GET, OP_SET, RESULT_CAS_MISMATCH, RESULT_OK,
  STATE_IDLE, STATE_REQUEST, STATE_RESPONSE, readPayload, writePayload,
} from "./protocol.ts";

export class ThreadSharedData implements SharedDataStore {
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly doorbell: Int32Array;

  constructor(channel: SharedArrayBuffer, doorbell: SharedArrayBuffer) {
    this.ctrl = new Int32Array(channel, 0, 4);
    this.bytes = new Uint8Array(channel);
    this.doorbell = new Int32Array(doorbell);
  }

  private call(op: number, vmId: string, key: string, value: Uint8Array, cas: number): number {
    if (writePayload(this.bytes, vmId, key, value, cas) < 0) throw new Error(`shared data entry ${key} is too large`);
    Atomics.store(this.ctrl, 1, op);
    Atomics.store(this.ctrl, 0, STATE_REQUEST);
    Atomics.add(this.doorbell, 0, 1);
    Atomics.notify(this.doorbell, 0);
    while (Atomics.load(this.ctrl, 0) !== STATE_RESPONSE) Atomics.wait(this.ctrl, 0, STATE_REQUEST, 1000);
    const result = Atomics.load(this.ctrl, 2);
    Atomics.store(this.ctrl, 0, STATE_IDLE);
    return result;
  }

  get(vmId: string, key: string): SharedValue | undefined {
    if (this.call(OP_GET, vmId, key, new Uint8Array(), 0) !== RESULT_OK) return undefined;
    const { value, cas } = readPayload(this.bytes);
    return { value, cas };
  }

  set(vmId: string, key: string, value: Uint8Array, cas: number): SetSharedResult {
    const result = this.call(OP_SET, vmId, key, value, cas);
    return result === RESULT_CAS_MISMATCH ? "cas-mismatch" : "ok";
  }

  attach(vmId: string): void {
    this.call(OP_ATTACH, vmId, "", new Uint8Array(), 0);
  }

  detach(vmId: string): void {
    this.call(OP_DETACH, vmId, "", new Uint8Array(), 0);
  }
}
