// Isolated mode: the plugin's VM runs in a worker thread supervised by a watchdog, so a module
// that never returns (a runaway loop) is stopped — the one failure the in-thread host cannot
// interrupt, since a wasm loop holds the calling thread. Each call crosses threads (~tens of µs),
// so this is the mode for the local data plane, not for unit tests or hot benchmarks; see
// README "Time budget". On a timeout the worker is terminated (V8 interrupts wasm execution),
// the call rejects with VmFailure kind "timeout", and the next call starts a fresh worker and
// plugin. Streams of the old worker are gone: their callers apply the failure policy.
// The worker runs a HostEmulator and the parent calls its methods, so this sits in harness/.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { HostEmulator } from "./emulator.ts";
import { VmFailure } from "../runtime/failure.ts";
import type { IsolatedPluginOptions, WorkerReply } from "./isolated-protocol.ts";
import type { LogEntry } from "../runtime/vm.ts";

export type { IsolatedPluginOptions } from "./isolated-protocol.ts";

type EmulatorMethod = {
  [K in keyof HostEmulator]: HostEmulator[K] extends (...args: any[]) => any ? K : never;
}[keyof HostEmulator];

const WORKER_URL = new URL("./isolated-worker.ts", import.meta.url);
const DEFAULT_BUDGET_MS = 1000;
/** Starting a worker loads tsx and compiles the module: allow more than one callback's budget. */
const START_BUDGET_MS = 15_000;
/** tsx's ESM register API, located from this file (the eval'd bootstrap has no base URL). */
const TSX_API = (() => {
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  const esm = cjs.replace(/\.cjs$/, ".mjs");
  return existsSync(esm) ? pathToFileURL(esm).href : "tsx/esm/api";
})();

export class IsolatedPlugin {
  readonly failures: VmFailure[] = [];
  readonly logs: LogEntry[] = [];
  private worker: Worker | null = null;
  private nextId = 1;
  private workersStarted = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout; method: string }>();

  constructor(private readonly options: IsolatedPluginOptions) {}

  get budgetMs(): number {
    return this.options.callBudgetMs ?? DEFAULT_BUDGET_MS;
  }

  /** How many workers have been started (grows by one after each failure-driven restart). */
  get generation(): number {
    return this.workersStarted;
  }

  /** Starts the worker and the plugin (proxy_on_vm_start, proxy_on_configure). */
  async start(): Promise<void> {
    if (this.worker) return;
    // The worker runs TypeScript through tsx's loader, like the rest of the project; Node 20
    // workers ignore an --import of the parent, so the bootstrap registers tsx itself.
    const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
    this.worker = new Worker(bootstrap, { eval: true, workerData: this.options });
    this.workersStarted++;
    const worker = this.worker;
    worker.on("message", (reply: WorkerReply) => this.onReply(reply));
    worker.on("error", (error) => this.abandon(worker, new VmFailure("trap", "worker", error.message, undefined, undefined, { cause: error })));
    worker.on("exit", (code) => this.abandon(worker, new VmFailure("exit", "worker", `worker exited with code ${code}`)));
    await this.send("startPlugin", [], Math.max(START_BUDGET_MS, this.budgetMs));
  }

  /** Calls a HostEmulator method in the worker, within the time budget. */
  async call<M extends EmulatorMethod>(method: M, ...args: Parameters<HostEmulator[M]>): Promise<ReturnType<HostEmulator[M]>> {
    if (!this.worker) await this.start();
    return this.send(method, args, this.budgetMs) as Promise<ReturnType<HostEmulator[M]>>;
  }

  private send(method: string, args: unknown[], budgetMs: number): Promise<unknown> {
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const failure = new VmFailure("timeout", method, `no answer within ${budgetMs} ms; worker terminated`);
        this.abandon(worker, failure);
        void worker.terminate();
      }, budgetMs);
      this.pending.set(id, { resolve, reject, timer, method });
      worker.postMessage({ id, method, args });
    });
  }

  private onReply(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    this.logs.push(...reply.logs);
    for (const f of reply.failures) this.failures.push(new VmFailure(f.kind, f.callback, f.reason, f.location, f.lastModuleError));
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.pending.delete(reply.id);
    if ("error" in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
  }

  /** The worker is gone or stuck: fail every pending call and forget the worker. */
  private abandon(worker: Worker, failure: VmFailure): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.failures.push(failure);
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(failure);
      this.pending.delete(id);
    }
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    for (const waiter of this.pending.values()) clearTimeout(waiter.timer);
    this.pending.clear();
    if (worker) await worker.terminate();
  }
}
