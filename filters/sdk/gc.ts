// When garbage is collected. Filters are built with AssemblyScript's minimal runtime
// (asconfig.json "runtime": "minimal": the TLSF allocator and a two-colour mark & sweep
// collector that runs only when asked), not the incremental one. The incremental collector may
// run inside any allocation, so the compiler keeps every managed reference a function holds
// across a call on a shadow stack; that bookkeeping was about a third of every filter module
// (auth: 95 KB -> 60 KB without it, the template 43 KB -> 27 KB) and of the Wasm time of a
// request.
//
// The minimal collector only sees references reachable from globals, so it must run when no
// Wasm frame holds a reference that lives only in a local: when the outermost callback from the
// host returns. Callbacks can nest (a host function may call back into the module, e.g. a proxy
// that runs the response path of a local reply synchronously), so exports.ts brackets every
// callback with enterCallback and leaveCallback (leaveConfigureCallback for proxy_on_configure)
// and only the outermost exit may collect.
//
// How often. A collection marks everything live — mostly the parsed configuration — and sweeps
// what the callbacks since the last one left behind, so its cost grows with the configuration
// (a 5,000-route auth configuration: about 9 ms). The interval therefore grows with the heap the
// last configuration needed: COLLECT_EVERY_PER_PAGE callbacks per 64 KiB page of linear memory
// after proxy_on_configure, at least MIN_COLLECT_EVERY (a request takes about five callbacks).
// A fixed interval would make the collector's share of a request grow with the configuration;
// this one keeps it small and flat (BENCHMARKS.md, "Measurements behind code choices").
// Garbage between collections stays within the memory the configuration already took while
// callbacks leave less than 256 bytes each; more only grows memory, once, since the interval
// does not follow that growth. Memory that grew since the last collection triggers one at once.

import { Runtime } from "~lib/shared/runtime";

const MIN_COLLECT_EVERY = 1024;
const COLLECT_EVERY_PER_PAGE = 256;

let depth = 0;
let callbacksSinceCollection = 0;
let collectEvery = MIN_COLLECT_EVERY;
let pagesAtCollection = memory.size();

/** A host callback starts (exports.ts). */
export function enterCallback(): void {
  depth++;
}

/** A host callback ends; the outermost one collects garbage when it is due. */
export function leaveCallback(): void {
  if (--depth > 0 || ASC_RUNTIME != Runtime.Minimal) return;
  if (++callbacksSinceCollection < collectEvery && memory.size() == pagesAtCollection) return;
  collect();
}

/** proxy_on_configure ends: its garbage (the parsed JSON) goes now, and the interval follows the heap it needed. */
export function leaveConfigureCallback(): void {
  if (--depth > 0 || ASC_RUNTIME != Runtime.Minimal) return;
  collect();
  collectEvery = max(MIN_COLLECT_EVERY, memory.size() * COLLECT_EVERY_PER_PAGE);
}

function collect(): void {
  callbacksSinceCollection = 0;
  __collect();
  pagesAtCollection = memory.size();
}
