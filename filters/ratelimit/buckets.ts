// Buckets in proxy-wasm shared data, so every worker VM with the same vm_id spends one budget
// (reference: envoy-wasm-wiring.md "Shared data": one map per vm_id; set with cas 0 is
// unconditional, otherwise it must match, and every successful set gets a new cas).
//
// Bounded cardinality: shared data has no delete, so a key per client would grow without
// bound under a flood of distinct keys. Instead a key hashes into one of `maxKeys` fixed slots
// (`attache.ratelimit/<slot>`), each holding 16 bytes: the 64-bit fingerprint of the key that
// owns it and the bucket's tat (gcra.ts). When another key lands on an owned slot:
//   - if the resident bucket has refilled completely (tat <= now) it carries no information
//     (a full bucket equals a new one), so the newcomer takes the slot over;
//   - otherwise the newcomer shares the resident's bucket until it refills. Sharing errs on the
//     side of limiting: a flood of keys can only make colliding clients share a budget, never
//     reset somebody's spent budget.
// Memory is therefore at most maxKeys × (key + 16 bytes) per vm_id, whatever the traffic.
//
// Updates are compare-and-swap: read (value, cas), decide, write with that cas; CasMismatch
// means another worker spent a token meanwhile, so read again. After `MAX_CAS_ATTEMPTS`
// consecutive mismatches the request is let through (fail open) and counted, so contention
// cannot turn into latency or an outage. The first write to an empty slot has no cas to
// compare with (the ABI's cas 0 means unconditional): two workers creating the same slot in
// the same instant can each count their request once, at most one token per worker per slot.
import { Decision, Limit, takeToken } from "./gcra";
import { keyHash64 } from "../canary/hash";

export const MAX_CAS_ATTEMPTS: i32 = 8;
export const SLOT_KEY_PREFIX = "attache.ratelimit/";
export const RECORD_BYTES: i32 = 16;

/** One slot as read from shared data. */
export class SlotRecord {
  constructor(public readonly fingerprint: u64, public readonly tat: u64, public readonly cas: u32) {}
}

/** Where slots live: proxy-wasm shared data in the filter, a fake in tests. */
export abstract class SlotStore {
  /** The slot's record, or null when it was never written. */
  abstract read(slot: u32): SlotRecord | null;
  /** Writes the record if the slot's cas still equals `cas` (0: unconditionally); false on CasMismatch. */
  abstract write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool;
}

export enum Outcome {
  Allowed = 0,
  Limited = 1,
  /** CAS contention persisted: the request was let through without spending a token. */
  FailedOpen = 2,
}

export class Verdict {
  constructor(
    public readonly outcome: Outcome,
    /** null when failed open. */
    public readonly decision: Decision | null,
    /** The key shared another key's bucket (slot collision with an active bucket). */
    public readonly sharedSlot: bool,
  ) {}
}

/** The slot a key lives in. */
export function slotOf(fingerprint: u64, slotCount: u32): u32 {
  return <u32>(fingerprint % <u64>slotCount);
}

export function slotKey(slot: u32): string {
  return SLOT_KEY_PREFIX + slot.toString();
}

/** Spends one token of `key`'s bucket at `now`, retrying on CAS conflicts. */
export function consume(store: SlotStore, slotCount: u32, key: string, limit: Limit, now: u64): Verdict {
  const fingerprint = keyHash64(key);
  const slot = slotOf(fingerprint, slotCount);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const record = store.read(slot);
    let owner = fingerprint;
    let tat: u64 = 0;
    let cas: u32 = 0;
    let shared = false;
    if (record !== null) {
      cas = record.cas;
      if (record.fingerprint == fingerprint || record.tat > now) {
        // Our own bucket, or an active bucket of a colliding key that we share.
        owner = record.fingerprint;
        tat = record.tat;
        shared = record.fingerprint != fingerprint;
      }
      // else: the resident bucket is full again; take the slot over with a new bucket.
    }
    const decision = takeToken(limit, tat, now);
    if (!decision.allowed) return new Verdict(Outcome.Limited, decision, shared);
    if (store.write(slot, owner, decision.tat, cas)) return new Verdict(Outcome.Allowed, decision, shared);
  }
  return new Verdict(Outcome.FailedOpen, null, false);
}

/** Encodes a slot record value: fingerprint then tat, both u64 little-endian. */
export function encodeRecord(fingerprint: u64, tat: u64): ArrayBuffer {
  const out = new ArrayBuffer(RECORD_BYTES);
  store<u64>(changetype<usize>(out), fingerprint);
  store<u64>(changetype<usize>(out) + 8, tat);
  return out;
}

/**
 * Decodes a slot value. A value of the wrong size (another writer's format) reads as an idle
 * bucket, which the next write takes over — still under its cas.
 */
export function decodeRecord(value: ArrayBuffer, cas: u32): SlotRecord {
  if (value.byteLength != RECORD_BYTES) return new SlotRecord(0, 0, cas);
  const base = changetype<usize>(value);
  return new SlotRecord(load<u64>(base), load<u64>(base + 8), cas);
}
