// SlotStore on proxy-wasm shared data (buckets.ts explains the slot layout and CAS policy).
// Per request nothing is allocated: the key "attache.ratelimit/<slot>" is never made as a string
// (the SDK's numbered keys), the record is read where the host left it and written from one
// reused buffer.
import { WasmResult, borrowNumberedSharedData, borrowedSharedDataCas, setNumberedSharedData } from "@attache/proxy-wasm-sdk";
import { RECORD_BYTES, SLOT_KEY_PREFIX, SlotRecord, SlotStore, decodeRecord, storeRecord } from "./buckets";

export class SharedDataSlots extends SlotStore {
  private readonly value: ArrayBuffer = new ArrayBuffer(RECORD_BYTES);

  read(slot: u32, into: SlotRecord): bool {
    const found = borrowNumberedSharedData(SLOT_KEY_PREFIX, slot);
    if (found === null) return false;
    decodeRecord(found.ptr, found.length, borrowedSharedDataCas(), into);
    return true;
  }

  write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool {
    storeRecord(changetype<usize>(this.value), fingerprint, tat);
    return setNumberedSharedData(SLOT_KEY_PREFIX, slot, this.value, cas) == WasmResult.Ok;
  }
}
