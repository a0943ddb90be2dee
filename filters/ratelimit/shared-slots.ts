// SlotStore on proxy-wasm shared data (buckets.ts explains the slot layout and CAS policy).
// Per request: one key string (read and write use the same slot), the record read in place
// where the host left it and written from one reused buffer.
import { WasmResult, borrowSharedData, borrowedSharedDataCas, setSharedData } from "../sdk";
import { RECORD_BYTES, SlotRecord, SlotStore, decodeRecord, slotKey, storeRecord } from "./buckets";

export class SharedDataSlots extends SlotStore {
  private keySlot: i64 = -1;
  private key: string = "";
  private readonly value: ArrayBuffer = new ArrayBuffer(RECORD_BYTES);

  private keyOf(slot: u32): string {
    if (<i64>slot != this.keySlot) {
      this.key = slotKey(slot);
      this.keySlot = slot;
    }
    return this.key;
  }

  read(slot: u32, into: SlotRecord): bool {
    const found = borrowSharedData(this.keyOf(slot));
    if (found === null) return false;
    decodeRecord(found.ptr, found.length, borrowedSharedDataCas(), into);
    return true;
  }

  write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool {
    storeRecord(changetype<usize>(this.value), fingerprint, tat);
    return setSharedData(this.keyOf(slot), this.value, cas) == WasmResult.Ok;
  }
}
