// Test-only module (built with ESM bindings by `npm run build`) for gc.test.ts: drives gc.ts the
// way exports.ts does, to show that the outermost callback's exit collects garbage and that the
// exit of a nested callback does not free what an outer callback still holds in its locals.
import { enterCallback, leaveCallback } from "../gc";

/** The test's JavaScript, called back from inside a callback (a host function re-entering the module). */
@external("env", "gc_probe_reenter")
declare function reenter(): void;

/** `count` callbacks, each leaving `bytesEach` bytes of garbage behind. */
export function callbacksWithGarbage(count: i32, bytesEach: i32): void {
  for (let i = 0; i < count; i++) {
    enterCallback();
    new ArrayBuffer(bytesEach);
    leaveCallback();
  }
}

/** Keeps strings only in a local while the host re-enters the module, then checks they are intact. */
export function holdAcrossNestedCallbacks(): bool {
  enterCallback();
  const kept = new Array<string>();
  for (let i = 0; i < 100; i++) kept.push("kept-" + i.toString());
  reenter();
  let intact = kept.length == 100;
  for (let i = 0; i < kept.length; i++) intact = intact && kept[i] == "kept-" + i.toString();
  leaveCallback();
  return intact;
}
