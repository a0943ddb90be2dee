// Stopping a module that never returns without leaving the calling thread. A wasm loop cannot
// be interrupted from JavaScript on the same thread, and a thread hop per callback costs tens
// of µs, so the module is rewritten at load instead, the way wasmtime's fuel interruption
// works: Binaryen's `log-execution` pass puts a call at every function entry and loop header;
// that call's target becomes a function of the module itself (decrement a fuel global; when it
// reaches zero, refill it and call the host's check), and Binaryen's inliner puts that body in
// place of every call. A normal callback thus pays a global decrement and a branch per loop
// turn and call; every FUEL steps the host's check (vm.ts `runawayMs`) fails a callback that
// has run past its limit, so a runaway loop traps as VmFailure "timeout" within a few
// milliseconds of it. Envoy has no such limit (a stuck module stalls an Envoy worker); the
// local data plane sets one so `attache dev` survives a bad module.
//
// Binaryen runs in a worker thread of its own, as plain JavaScript: it is 13 MB of JavaScript
// that a TypeScript loader on the calling thread (tsx, in the data plane's worker threads)
// would transpile for many seconds, and its passes would hold the caller's event loop.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CompiledProxyWasm } from "./loader.ts";
import { compileProxyWasm, type CompileOptions } from "./loader.ts";
import type { WasmSourceMap } from "./source-map.ts";

/** The host function an instrumented module imports from `env`: the runaway check. */
export const INTERRUPT_IMPORT = "attache_runaway_check";

/** Steps between two host checks. */
const FUEL = 65_536;
/** Big enough for the fuel function alone: every other function is marked no-inline first. */
const FUEL_FUNCTION_INLINE_SIZE = 20;
/** The instrumenter thread exits after this long without work (Binaryen holds tens of MB). */
const IDLE_EXIT_MS = 10_000;

// The instrumenter thread (CommonJS, evaluated as is). Messages: { id, bytes } in,
// { id, bytes } or { id, error } out.
const INSTRUMENTER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const loaded = import(workerData.binaryen).then((m) => m.default);
function instrument(binaryen, bytes) {
  const module = binaryen.readBinary(bytes);
  const inlineSize = binaryen.getAlwaysInlineMaxSize();
  try {
    module.setFeatures(binaryen.Features.All);
    binaryen.setPassArgument("no-inline", "*");
    module.runPasses(["no-inline", "log-execution"]);
    let logged;
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
      if (info.module === "env" && info.base === "log_execution") logged = info.name;
    }
    if (!logged) throw new Error("log-execution added no env.log_execution import");
    module.removeFunction(logged);
    module.addGlobal("attache$fuel", binaryen.i32, true, module.i32.const(${FUEL}));
    module.addFunctionImport("attache$check", "env", "${INTERRUPT_IMPORT}", binaryen.none, binaryen.none);
    const fuel = () => module.global.get("attache$fuel", binaryen.i32);
    module.addFunction(logged, binaryen.createType([binaryen.i32]), binaryen.none, [], module.block(null, [
      module.global.set("attache$fuel", module.i32.sub(fuel(), module.i32.const(1))),
      module.if(module.i32.eqz(fuel()), module.block(null, [
        module.global.set("attache$fuel", module.i32.const(${FUEL})),
        module.call("attache$check", [], binaryen.none),
      ])),
    ]));
    binaryen.setAlwaysInlineMaxSize(${FUEL_FUNCTION_INLINE_SIZE});
    module.runPasses(["inlining"]);
    module.removeFunction(logged);
    if (!module.validate()) throw new Error("the instrumented module does not validate");
    return module.emitBinary();
  } finally {
    binaryen.setAlwaysInlineMaxSize(inlineSize);
    binaryen.clearPassArguments();
    module.dispose();
  }
}
parentPort.on("message", async ({ id, bytes }) => {
  try {
    const out = instrument(await loaded, bytes);
    parentPort.postMessage({ id, bytes: out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface InstrumenterReply {
  id: number;
  bytes?: Uint8Array;
  error?: string;
}

/** Binaryen's entry file: next to this package first, else from the working directory's project. */
function binaryenUrl(): string {
  for (const base of [import.meta.url, pathToFileURL(join(process.cwd(), "noop.js")).href]) {
    try {
      return pathToFileURL(createRequire(base).resolve("binaryen")).href;
    } catch { /* try the next */ }
  }
  throw new Error("runaway interrupts need the binaryen package (npm install binaryen)");
}

interface InstrumenterThread {
  worker: Worker;
  pending: Map<number, (reply: InstrumenterReply) => void>;
  idle?: NodeJS.Timeout;
}

let instrumenter: InstrumenterThread | undefined;
let nextId = 1;

function instrumenterThread(): InstrumenterThread {
  if (instrumenter) return instrumenter;
  const worker = new Worker(INSTRUMENTER_SOURCE, { eval: true, workerData: { binaryen: binaryenUrl() } });
  worker.unref();
  const thread: InstrumenterThread = { worker, pending: new Map() };
  const fail = (error: string) => {
    if (instrumenter === thread) instrumenter = undefined;
    for (const [id, resolve] of thread.pending) resolve({ id, error });
    thread.pending.clear();
  };
  worker.on("message", (reply: InstrumenterReply) => {
    const resolve = thread.pending.get(reply.id);
    thread.pending.delete(reply.id);
    resolve?.(reply);
    if (!thread.pending.size) {
      worker.unref(); // idle: never keeps the process alive
      thread.idle = setTimeout(() => { if (!thread.pending.size) { fail("instrumenter stopped"); void worker.terminate(); } }, IDLE_EXIT_MS);
      thread.idle.unref();
    }
  });
  worker.on("error", (error) => fail(error.message));
  worker.on("exit", () => fail("the instrumenter thread exited"));
  instrumenter = thread;
  return thread;
}

/**
 * `bytes` with a check at every function entry and loop header (see above), rewritten by
 * Binaryen in the instrumenter thread; hosts that never instrument never load Binaryen.
 */
export function instrumentForInterrupts(bytes: Uint8Array): Promise<Uint8Array> {
  const thread = instrumenterThread();
  clearTimeout(thread.idle);
  thread.worker.ref(); // work pending: the caller awaits it
  const id = nextId++;
  return new Promise((resolve, reject) => {
    thread.pending.set(id, (reply) => (reply.bytes ? resolve(reply.bytes) : reject(new Error(`instrumenting for runaway interrupts: ${reply.error}`))));
    thread.worker.postMessage({ id, bytes: bytes.slice() });
  });
}

/** Compiles `bytes` (checked as given) to run instrumented, so a VM's runawayMs can stop it. */
export async function compileInterruptible(bytes: Uint8Array, origin: string, sourceMap?: WasmSourceMap, options: CompileOptions = {}): Promise<CompiledProxyWasm> {
  return compileProxyWasm(bytes, origin, sourceMap, { ...options, instrumented: await instrumentForInterrupts(bytes) });
}
