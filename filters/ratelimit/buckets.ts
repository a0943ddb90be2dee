// Buckets in proxy-wasm shared data, so every worker VM with the same vm_id spends one budget
// (docs/envoy-wiring.md "Shared data": one map per vm_id; set with cas 0 is
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

export const MAX_CAS_ATTEMPTS: i32 = 8;
/** Slot n lives under "attache.ratelimit/<n>" (n in decimal). */
export const SLOT_KEY_PREFIX = "attache.ratelimit/";
export const RECORD_BYTES: i32 = 16;

/** One slot as read from shared data (filled in place by SlotStore.read). */
export class SlotRecord {
  fingerprint: u64 = 0;
  tat: u64 = 0;
  cas: u32 = 0;
}

/** Where slots live: proxy-wasm shared data in the filter, a fake in tests. */
export abstract class SlotStore {
  /** Fills `into` with the slot's record; false when the slot was never written. */
  abstract read(slot: u32, into: SlotRecord): bool;
  /** Writes the record if the slot's cas still equals `cas` (0: unconditionally); false on CasMismatch. */
  abstract write(slot: u32, fingerprint: u64, tat: u64, cas: u32): bool;
}

export enum Outcome {
  Allowed = 0,
  Limited = 1,
  /** CAS contention persisted: the request was let through without spending a token. */
  FailedOpen = 2,
}

/** What consume decided; filled in place (the filter reuses one per VM). */
export class Verdict {
  outcome: Outcome = Outcome.Allowed;
  /** The bucket's answer; meaningless when failed open. */
  readonly decision: Decision = new Decision();
  /** The key shared another key's bucket (slot collision with an active bucket). */
  sharedSlot: bool = false;

  /** Records the outcome (consume). */
  record(outcome: Outcome, sharedSlot: bool): Verdict {
    this.outcome = outcome;
    this.sharedSlot = sharedSlot;
    return this;
  }
}

/** The slot a key lives in. */
export function slotOf(fingerprint: u64, slotCount: u32): u32 {
  return <u32>(fingerprint % <u64>slotCount);
}


/** Read into by consume (callbacks never overlap, so one serves every request). */
const record = new SlotRecord();

/**
 * Spends one token at `now` from the bucket of the key whose fingerprint (keyHash64 of the key,
 * key.ts) is `fingerprint`, retrying on CAS conflicts; the outcome goes into `into`.
 */
export function consume(store: SlotStore, slotCount: u32, fingerprint: u64, limit: Limit, now: u64, into: Verdict): Verdict {
  const slot = slotOf(fingerprint, slotCount);
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    let owner = fingerprint;
    let tat: u64 = 0;
    let cas: u32 = 0;
    let shared = false;
    if (store.read(slot, record)) {
      cas = record.cas;
      if (record.fingerprint == fingerprint || record.tat > now) {
        // Our own bucket, or an active bucket of a colliding key that we share.
        owner = record.fingerprint;
        tat = record.tat;
        shared = record.fingerprint != fingerprint;
      }
      // else: the resident bucket is full again; take the slot over with a new bucket.
    }
    const decision = takeToken(limit, tat, now, into.decision);
    if (!decision.allowed) return into.record(Outcome.Limited, shared);
    if (store.write(slot, owner, decision.tat, cas)) return into.record(Outcome.Allowed, shared);
  }
  return into.record(Outcome.FailedOpen, false);
}

/** Writes a slot record value at `ptr` (RECORD_BYTES): fingerprint then tat, both u64 little-endian. */
export function storeRecord(ptr: usize, fingerprint: u64, tat: u64): void {
  store<u64>(ptr, fingerprint);
  store<u64>(ptr + 8, tat);
}

/** A new buffer holding a slot record value (storeRecord). */
export function encodeRecord(fingerprint: u64, tat: u64): ArrayBuffer {
  const out = new ArrayBuffer(RECORD_BYTES);
  storeRecord(changetype<usize>(out), fingerprint, tat);
  return out;
}

/**
 * Decodes the slot value of `length` bytes at `ptr` into `into`. A value of the wrong size
 * (another writer's format) reads as an idle bucket, which the next write takes over — still
 * under its cas.
 */
export function decodeRecord(ptr: usize, length: usize, cas: u32, into: SlotRecord): void {
  const valid = length == <usize>RECORD_BYTES;
  into.fingerprint = valid ? load<u64>(ptr) : 0;
  into.tat = valid ? load<u64>(ptr + 8) : 0;
  into.cas = cas;
}
