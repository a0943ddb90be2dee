// Memory handoff between host and module (proxy-wasm ABI 0.2.1, docs/proxy-wasm-abi.md "Memory"):
// callbacks pass sizes, never data; for every `ret_ptr_ptr/ret_len_ptr` result the host calls our
// exported `malloc`, copies the bytes in and writes pointer and length into the two slots. That
// block is ours. Input pointers we pass are borrowed by the host for one call.
//
// Per-request cost: most results are small (a header value, a property, a 16-byte shared-data
// record), so `malloc` hands out one static scratch block instead of a heap block. That is safe
// because host calls never nest and the SDK consumes each result before its next host call:
// either it copies the bytes into a managed value at once (takeHostBytes / takeHostString), or
// it reads them in place (borrowHostResult) and the block is released when the next
// result-returning host call starts (clearResultSlots). Larger results, or a second allocation
// while the scratch block is taken, get a heap block, freed at the same points.

/** Two u32 result slots the host writes into; reused by every host call (calls never nest). */
export const RET_PTR: usize = memory.data(8);
export const RET_LEN: usize = memory.data(8);
/** Extra slots for calls that return a third value (cas, flags, u64 time/metric). */
export const RET_EXTRA: usize = memory.data(8);

/** Results up to this size land in the static scratch block (header values, properties, records). */
export const RESULT_SCRATCH_BYTES: usize = 4096;
const RESULT_SCRATCH: usize = memory.data(<i32>RESULT_SCRATCH_BYTES, 16);
let resultScratchTaken = false;
/** A result block handed out by borrowHostResult, released at the next clearResultSlots. */
let borrowedBlock: usize = 0;

/** Backs the exported `malloc`/`proxy_on_memory_allocate`: memory the host fills with a result. */
export function allocateForHost(size: usize): usize {
  if (size <= RESULT_SCRATCH_BYTES && !resultScratchTaken) {
    resultScratchTaken = true;
    return RESULT_SCRATCH;
  }
  // heap.alloc never returns 0 for a request it can satisfy; a zero-size request still gets a
  // distinct block so the host can write the pointer back.
  return heap.alloc(size);
}

/** Gives a block from allocateForHost back: the scratch block becomes free, a heap block is freed. */
function releaseHostBlock(ptr: usize): void {
  if (ptr == RESULT_SCRATCH) resultScratchTaken = false;
  else if (ptr != 0) heap.free(ptr);
}

/**
 * Before a host call that may return a result: releases the previous borrowed result and
 * clears the slots, so a host that writes nothing leaves "empty". A scratch block the host took
 * but never reported (it failed after allocating) is free again too.
 */
export function clearResultSlots(): void {
  if (borrowedBlock != 0) {
    releaseHostBlock(borrowedBlock);
    borrowedBlock = 0;
  }
  resultScratchTaken = false;
  store<u32>(RET_PTR, 0);
  store<u32>(RET_LEN, 0);
}

/**
 * Copies the bytes the host handed over through RET_PTR/RET_LEN into a managed ArrayBuffer and
 * releases the host block. Empty results (ptr 0, len 0) give an empty buffer.
 */
export function takeHostBytes(): ArrayBuffer {
  const ptr = <usize>load<u32>(RET_PTR);
  const len = <i32>load<u32>(RET_LEN);
  const out = new ArrayBuffer(len);
  if (ptr != 0 && len > 0) memory.copy(changetype<usize>(out), ptr, <usize>len);
  releaseHostBlock(ptr);
  store<u32>(RET_PTR, 0);
  store<u32>(RET_LEN, 0);
  return out;
}

/**
 * Like takeHostBytes, but decodes the host's UTF-8 bytes straight into a string (one allocation
 * instead of two: header values and properties are read on every request).
 */
export function takeHostString(): string {
  const ptr = <usize>load<u32>(RET_PTR);
  const len = <usize>load<u32>(RET_LEN);
  const out = ptr != 0 && len > 0 ? String.UTF8.decodeUnsafe(ptr, len) : "";
  releaseHostBlock(ptr);
  store<u32>(RET_PTR, 0);
  store<u32>(RET_LEN, 0);
  return out;
}

/**
 * The result of the last host call, read in place: a view valid until the next SDK call that
 * asks the host for a result (the block is released then). Copy what must outlive that.
 */
@unmanaged
export class BorrowedBytes {
  ptr: usize;
  length: usize;
}

const BORROWED: BorrowedBytes = changetype<BorrowedBytes>(memory.data(offsetof<BorrowedBytes>()));

/** Lends the host's result without copying it (see BorrowedBytes for how long it stays valid). */
export function borrowHostResult(): BorrowedBytes {
  const ptr = <usize>load<u32>(RET_PTR);
  const len = <usize>load<u32>(RET_LEN);
  borrowedBlock = ptr;
  BORROWED.ptr = ptr;
  BORROWED.length = ptr != 0 ? len : 0;
  return BORROWED;
}

/** UTF-8 bytes of a string (a managed copy; host-call arguments use args.ts instead). */
export function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

/** Address of a buffer's first byte, for host calls. */
// @ts-ignore: decorator
@inline export function ptrOf(buffer: ArrayBuffer): usize {
  return changetype<usize>(buffer);
}
