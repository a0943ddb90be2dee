// A plugin as an embedder (the local data plane, the test harness) runs it: one module, one
// root context, its configuration and its failure policy (Envoy PluginConfig.failure_policy,
// envoy/extensions/wasm/v3/wasm.proto). When the VM fails (failure.ts) it stays failed, as in
// Envoy, and every stream of it — running or later — gets the policy's answer:
//   fail closed: a 503 local response with details `wasm_fail_stream` and no body (Envoy's
//     Context::failStream; a later stream is Envoy's "empty Context" of a failed VM);
//   fail open:   the filter is skipped (Envoy's FilterConfig::createFilter adds no filter);
//   fail reload: 503 like fail closed, but the next use after a backoff builds a fresh VM
//     (ReloadConfig.backoff: 1 s base, doubled after each failed reload up to 10 s, the
//     BackoffStrategy default max; Envoy adds jitter, this host does not, so tests can
//     count). `reloads` counts like Envoy's wasm.<plugin>.vm_reload_{backoff,success,failure}.
import { HeadersAction, LogLevel } from "./abi/enums.ts";
import type { HeaderPairs } from "./abi/serialization.ts";
import { systemClock, type Clock } from "./clock.ts";
import { HttpStreamState, type RootContextState } from "./contexts.ts";
import { ContextDispatcher, PluginStartError } from "./dispatcher.ts";
import { VmFailure, type FailurePolicy } from "./failure.ts";
import { ModuleLoadError, type CompiledProxyWasm } from "./loader.ts";
import { ProxyWasmVm, type VmOptions } from "./vm.ts";

export interface PluginOptions {
  rootId?: string;
  /** Plugin name (property plugin_name); defaults to the root id. */
  name?: string;
  configuration?: Uint8Array;
  failurePolicy?: FailurePolicy;
  vm?: VmOptions;
}

interface RunningVm {
  vm: ProxyWasmVm;
  dispatcher: ContextDispatcher;
  root: RootContextState;
}

/** Failures kept for inspection (oldest dropped first), so a long-running plugin stays bounded. */
const MAX_KEPT_FAILURES = 100;

export const FAIL_CLOSED_STATUS = 503;
export const FAIL_CLOSED_DETAILS = "wasm_fail_stream";
const RELOAD_BASE_MS = 1000;
const RELOAD_MAX_MS = 10 * RELOAD_BASE_MS;

export class ProxyWasmPlugin {
  readonly rootId: string;
  readonly failurePolicy: FailurePolicy;
  readonly failures: VmFailure[] = [];
  /** Reload counters (fail reload), named as Envoy's wasm.<plugin>.vm_reload_* stats. */
  readonly reloads = { backoff: 0, success: 0, failure: 0 };
  private current: RunningVm | null = null;
  private nextContextId = 1;
  private vmGeneration = 0;
  private reloadDelayMs = RELOAD_BASE_MS;
  private reloadAtMs = 0;
  private readonly clock: Clock;

  constructor(readonly compiled: CompiledProxyWasm, private readonly options: PluginOptions = {}) {
    this.rootId = options.rootId ?? "";
    this.failurePolicy = options.failurePolicy ?? "fail-closed";
    this.clock = options.vm?.clock ?? systemClock;
  }

  private nowMs(): number {
    return Number(this.clock.monotonicNanos() / 1_000_000n);
  }

  /**
   * Builds the VM and starts the root context (throws ModuleLoadError, VmFailure,
   * PluginStartError). A VM that replaces a failed one takes over only once it started.
   */
  start(): void {
    if (this.current && !this.current.vm.failure) return;
    if (this.current) this.nextContextId = this.current.vm.peekContextId();
    const vm = ProxyWasmVm.create(this.compiled, { ...this.options.vm, firstContextId: this.nextContextId });
    const dispatcher = new ContextDispatcher(vm);
    try {
      const root = dispatcher.startRoot({
        rootId: this.rootId,
        pluginName: this.options.name ?? this.rootId,
        configuration: this.options.configuration ?? new Uint8Array(0),
      });
      this.current?.vm.dispose();
      this.current = { vm, dispatcher, root };
      this.vmGeneration++;
    } catch (error) {
      this.nextContextId = vm.peekContextId();
      vm.dispose();
      if (error instanceof VmFailure) this.record(error);
      throw error;
    }
  }

  /**
   * The plugin's VM: started on first use; after a failure the failed VM itself (its
   * callbacks then answer with the policy), except that fail reload rebuilds it once the
   * backoff has passed.
   */
  healthy(): RunningVm {
    const current = this.current;
    if (!current) {
      this.start();
      return this.current!;
    }
    if (!current.vm.failure || this.failurePolicy !== "fail-reload") return current;
    const now = this.nowMs();
    if (now < this.reloadAtMs) {
      this.reloads.backoff++;
      return current;
    }
    try {
      this.start();
    } catch (error) {
      this.reloads.failure++;
      this.reloadDelayMs = Math.min(this.reloadDelayMs * 2, RELOAD_MAX_MS);
      this.reloadAtMs = now + this.reloadDelayMs;
      if (error instanceof VmFailure || error instanceof PluginStartError || error instanceof ModuleLoadError) return current;
      throw error;
    }
    this.reloads.success++;
    this.reloadDelayMs = RELOAD_BASE_MS;
    return this.current!;
  }

  /** How many VMs this plugin has started (1 until a failure forced a rebuild). */
  get generation(): number {
    return this.vmGeneration;
  }

  get vm(): ProxyWasmVm | undefined {
    return this.current?.vm;
  }

  get root(): RootContextState | undefined {
    return this.current?.root;
  }

  get dispatcher(): ContextDispatcher | undefined {
    return this.current?.dispatcher;
  }

  /**
   * A stream context for a new request. On a failed VM it is a stream of no VM (id 0, like
   * Envoy's empty Context), which every call answers with the policy: a 503 for fail closed
   * and fail reload, nothing (the filter skipped) for fail open.
   */
  newStream(): HttpStreamState {
    const { vm, dispatcher, root } = this.healthy();
    if (!vm.failure) {
      try {
        return dispatcher.createHttpStream(root);
      } catch (error) {
        this.failed(error, undefined);
      }
    }
    const detached = new HttpStreamState(0, root);
    this.applyPolicy(detached);
    return detached;
  }

  /**
   * Runs a stream callback; on VM failure records it, applies the failure policy to `stream`
   * (fail closed: 503 local response; fail open: nothing) and returns `onFailure()`. A stream
   * whose VM already failed (it is not a context of the current VM) gets the policy answer
   * without reaching the new VM, which never saw its context id.
   */
  guard<T>(stream: HttpStreamState | undefined, run: () => T, onFailure: () => T): T {
    if (stream && !this.runningFor(stream)) return onFailure();
    try {
      return run();
    } catch (error) {
      this.failed(error, stream);
      return onFailure();
    }
  }

  // A data plane's per-request calls, guarded as guard() does but without a closure per call.
  // On failure they answer Continue: the policy's local response, if any, is on the stream.

  /** proxy_on_request_headers or proxy_on_response_headers (`phase`) for `stream`. */
  headers(phase: "request" | "response", stream: HttpStreamState, headers: HeaderPairs, endOfStream: boolean, inPlace = false): number {
    const running = this.runningFor(stream);
    if (!running) return HeadersAction.Continue;
    try {
      const dispatcher = running.dispatcher;
      return phase === "request"
        ? dispatcher.requestHeaders(stream, headers, endOfStream, inPlace)
        : dispatcher.responseHeaders(stream, headers, endOfStream, inPlace);
    } catch (error) {
      this.failed(error, stream);
      return HeadersAction.Continue;
    }
  }

  /** proxy_on_log/done/delete for `stream` (nothing when its VM failed since). */
  completeStream(stream: HttpStreamState): void {
    const running = this.runningFor(stream);
    if (!running) return;
    try {
      running.dispatcher.completeStream(stream);
    } catch (error) {
      this.failed(error, stream);
    }
  }

  /** Whether `stream` is a live context of the running VM (not one of a failed VM, nor detached). */
  owns(stream: HttpStreamState): boolean {
    return this.current?.vm.contexts.get(stream.id) === stream && !this.current.vm.failure;
  }

  /** The running VM `stream` belongs to; null, with the policy applied, when that VM failed since. */
  private runningFor(stream: HttpStreamState): RunningVm | null {
    const current = this.current;
    if (current && current.vm.contexts.get(stream.id) === stream) return current;
    this.applyPolicy(stream);
    return null;
  }

  /** Records a VmFailure (anything else is a host bug and propagates) and applies the policy. */
  private failed(error: unknown, stream: HttpStreamState | undefined): void {
    if (!(error instanceof VmFailure)) throw error;
    const first = !this.failures.includes(error);
    if (first) {
      this.record(error);
      this.reloadAtMs = this.nowMs() + this.reloadDelayMs;
    }
    this.options.vm?.onLog?.({ level: LogLevel.Critical, message: error.message, contextId: stream?.id ?? null });
    // The stream whose callback failed gets the 503 whatever the policy: Envoy fails it
    // (Context::failStream) even when FAIL_OPEN lets later requests skip the filter.
    if (stream) this.applyPolicy(stream, first);
  }

  private applyPolicy(stream: HttpStreamState, failing = false): void {
    if ((this.failurePolicy === "fail-open" && !failing) || stream.localResponse) return;
    stream.localResponse = {
      statusCode: FAIL_CLOSED_STATUS,
      details: FAIL_CLOSED_DETAILS,
      body: new Uint8Array(0),
      headers: [],
      grpcStatus: -1,
      // Envoy skips a failed stream's encoder callbacks (failure_local_reply_sent_).
      encoded: { headers: [[":status", String(FAIL_CLOSED_STATUS)]], body: new Uint8Array(0) },
    };
  }

  private record(failure: VmFailure): void {
    this.failures.push(failure);
    if (this.failures.length > MAX_KEPT_FAILURES) this.failures.shift();
  }

  dispose(): void {
    this.current?.vm.dispose();
    this.current = null;
  }
}
