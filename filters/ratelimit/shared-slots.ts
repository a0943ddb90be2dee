// SlotStore on proxy-wasm shared data (buckets.ts explains the slot layout and CAS policy).
import { WasmResult, getSharedData, setSharedData } from "../sdk";
import { SlotRecord, SlotStore, decodeRecord, encodeRecord, slotKey } from "./buckets";

export class SharedDataSlots extends SlotStore {
  read(slot: u32): SlotRecord | null {
    const found = getSharedData(slotKey(slot));
    return found === null ? null : decodeRecord(found.value, found.cas);
  }

  write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool {
    return setSharedData(slotKey(slot), encodeRecord(fingerprint, tat), cas) == WasmResult.Ok;
  }
}
