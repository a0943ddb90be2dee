// Memory handoff between host and module (proxy-wasm ABI 0.2.1, "Memory" in the reference):
// callbacks pass sizes, never data; for every `ret_ptr_ptr/ret_len_ptr` result the host calls our
// exported `malloc`, copies the bytes in and writes pointer and length into the two slots. That
// block is ours: we copy it into a managed ArrayBuffer and free it at once, so filters only ever
// see garbage-collected values. Input pointers we pass are borrowed by the host for one call.

/** Two u32 result slots the host writes into; reused by every host call (calls never nest). */
export const RET_PTR: usize = memory.data(8);
export const RET_LEN: usize = memory.data(8);
/** Extra slots for calls that return a third value (cas, flags, u64 time/metric). */
export const RET_EXTRA: usize = memory.data(8);

/** Backs the exported `malloc`/`proxy_on_memory_allocate`: unmanaged memory the host fills. */
export function allocateForHost(size: usize): usize {
  // heap.alloc never returns 0 for a request it can satisfy; a zero-size request still gets a
  // distinct block so the host can write the pointer back.
  return heap.alloc(size);
}

/** Clears the result slots before a host call, so a host that writes nothing leaves "empty". */
export function clearResultSlots(): void {
  store<u32>(RET_PTR, 0);
  store<u32>(RET_LEN, 0);
}

/**
 * Copies the bytes the host handed over through RET_PTR/RET_LEN into a managed ArrayBuffer and
 * frees the host-allocated block. Empty results (ptr 0, len 0) give an empty buffer.
 */
export function takeHostBytes(): ArrayBuffer {
  const ptr = <usize>load<u32>(RET_PTR);
  const len = <i32>load<u32>(RET_LEN);
  const out = new ArrayBuffer(len);
  if (ptr != 0) {
    if (len > 0) memory.copy(changetype<usize>(out), ptr, <usize>len);
    heap.free(ptr);
  }
  clearResultSlots();
  return out;
}

/**
 * Like takeHostBytes, but decodes the host's UTF-8 bytes straight into a string (one allocation
 * instead of two: header values and properties are read on every request).
 */
export function takeHostString(): string {
  const ptr = <usize>load<u32>(RET_PTR);
  const len = <usize>load<u32>(RET_LEN);
  let out = "";
  if (ptr != 0) {
    if (len > 0) out = String.UTF8.decodeUnsafe(ptr, len);
    heap.free(ptr);
  }
  clearResultSlots();
  return out;
}

/** UTF-8 bytes of a string, for passing keys, values and names to the host. */
export function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

/** Decodes UTF-8 bytes from the host (header values, properties, bodies). */
export function fromUtf8(bytes: ArrayBuffer): string {
  return String.UTF8.decode(bytes);
}

/** Address of a buffer's first byte, for host calls. */
// @ts-ignore: decorator
@inline export function ptrOf(buffer: ArrayBuffer): usize {
  return changetype<usize>(buffer);
}
