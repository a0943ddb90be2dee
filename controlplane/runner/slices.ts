// Long synchronous work run in slices. The first model + translation + encoding of a large
// configuration is seconds of CPU (BENCHMARKS.md, envoy-scale), and while the event loop is
// blocked nothing answers the xDS connections: Envoy's HTTP/2 keepalive PING (the bootstrap
// gives it a 5 s timeout) goes unanswered and Envoy resets the ADS stream, and grpc-js's own
// keepalive timeout, which runs before the loop reads the peer's ACK, closes it from our side.
// Such work is written as a generator that yields where pausing is safe; `runToEnd` runs it at
// once, `runInSlices` lets the event loop turn whenever a slice has run for `sliceMs`.
import { setImmediate as nextTurn } from "node:timers/promises";

export type Steps<T> = Generator<void, T, void>;

export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export async function runInSlices<T>(steps: Steps<T>, sliceMs = 20): Promise<T> {
  let sliceStarted = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
}
