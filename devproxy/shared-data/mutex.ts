// A mutex in one Int32 of shared memory, after Drepper's "Futexes Are Tricky" (mutex 3):
// 0 free, 1 held, 2 held and someone may be sleeping. Taking a free lock and releasing an
// uncontended one cost one atomic each. A thread that finds it held spins a little (the store's
// critical sections last well under a microsecond), then sleeps in Atomics.wait until the
// holder's unlock wakes it — on an oversubscribed machine the holder may have been preempted,
// and spinning would only burn the core it needs.
const FREE = 0;
const HELD = 1;
const CONTENDED = 2;
const SPINS = 64;

export function lock(words: Int32Array, index: number): void {
  if (Atomics.compareExchange(words, index, FREE, HELD) === FREE) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(words, index) === FREE && Atomics.compareExchange(words, index, FREE, HELD) === FREE) return;
  }
  // From here the word says CONTENDED while this thread may sleep, so unlock() wakes it; a
  // thread that gets the lock this way keeps CONTENDED (one spare wake-up at worst).
  while (Atomics.exchange(words, index, CONTENDED) !== FREE) Atomics.wait(words, index, CONTENDED);
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.exchange(words, index, FREE) === CONTENDED) Atomics.notify(words, index, 1);
}
