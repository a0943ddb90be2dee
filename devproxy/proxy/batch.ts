// Per-turn batching of request work. A request's header phase (route chosen: its HTTP filters,
// then the upstream request) and its response phase (upstream answered: the filters' response
// path, then the downstream response) wait for the check phase of the event loop turn in which
// they became ready (setImmediate), and run there back to back with every other request's
// same phase; streams' completions (the filters' proxy_on_log/done/delete) run there too, as
// Envoy's filters wait for its dispatcher's deferred delete at the end of a loop iteration.
//
// Why: one request at a time, each step ran in the middle of Node's parsing and socket work
// for other requests, and found its code and data evicted from the caches; Wasm filters
// suffered most (three modules' code and linear memory). Batched, the same code runs warm
// (BENCHMARKS.md, "Measurements behind code choices"). The wait is within the same loop
// turn (after that turn's I/O callbacks), so under light load it adds microseconds; the access
// log's duration includes it.
// Order within a batch is arrival order; a request's own steps keep their order.

type Job = () => void;

let queue: Job[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  for (const job of batch) {
    // A job that throws is a host bug (filter failures are settled inside the plugin): it must
    // not cost the other requests of the batch their turn.
    try {
      job();
    } catch (error) {
      process.emitWarning(error as Error);
    }
  }
}

function schedule(job: Job): void {
  queue.push(job);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

/** Runs `job` (a stream's completion) in the current batch; nothing waits for it. */
export function deferToBatch(job: Job): void {
  schedule(job);
}

/** Runs `phase` in the current batch; resolves with its result once the whole batch ran. */
export function inBatch<T>(phase: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    schedule(() => {
      try {
        resolve(phase());
      } catch (error) {
        reject(error);
      }
    });
  });
}
