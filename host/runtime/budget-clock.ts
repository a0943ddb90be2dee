// The clock behind per-callback time budgets (vm.ts). The budget path reads a clock twice per
// callback, six callbacks per filter per request; performance.now() is a clock_gettime call,
// which on VMs whose clocksource (kvm-clock, xen) has no vDSO fast path is a real system call.
// For budgets of BUDGET_MIN_MS and more a
// coarse clock is precise enough: a worker thread stores the elapsed milliseconds in a
// SharedArrayBuffer every TICK_MS, and a read is one memory load. The worker keeps counting
// while the calling thread is stuck in a long callback, which is what a budget measures.
import { Worker } from "node:worker_threads";

const TICK_MS = 2;
/** Budgets below this use performance.now(): a 2 ms tick would be too coarse for them. */
export const BUDGET_MIN_MS = 50;

const TICKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const now = new Int32Array(workerData);
const origin = performance.now();
setInterval(() => Atomics.store(now, 0, Math.floor(performance.now() - origin)), ${TICK_MS});
`;

let shared: Int32Array | null = null;

function start(): Int32Array {
  const buffer = new SharedArrayBuffer(4);
  const worker = new Worker(TICKER_SOURCE, { eval: true, workerData: buffer });
  // Never keeps the process alive; a process that exits takes the ticker with it.
  worker.unref();
  return new Int32Array(buffer);
}

/**
 * Milliseconds on a coarse monotonic clock (TICK_MS granularity); only differences mean anything.
 * A plain element read, not Atomics.load: an aligned Int32Array access of shared memory is
 * tear-free (ECMAScript "Memory Model", tear-free aligned reads), so the read sees one of the
 * ticker's values, at worst one tick old; V8 compiles it to one load, where Atomics.load is a
 * builtin call.
 */
export function coarseNowMs(): number {
  return (shared ??= start())[0]!;
}

/**
 * The clock a budget of `budgetMs` is measured with. The coarse clock's ticker starts here, not
 * on first read: a worker needs its parent's event loop to start, which a callback that spins
 * from the first read on would never give it.
 */
export function budgetClock(budgetMs: number): () => number {
  if (budgetMs < BUDGET_MIN_MS) return () => performance.now();
  shared ??= start();
  return coarseNowMs;
}
