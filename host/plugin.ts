// A plugin as an embedder (the local data plane, the test harness) runs it: one module, one
// root context, its configuration and its failure policy (Envoy PluginConfig.failure_policy).
// When the VM fails (failure.ts) every running stream gets the policy's answer — fail closed:
// a 503 local response with details `wasm_fail_stream`, as Envoy sends; fail open: the stream
// continues untouched — and the next use builds a fresh VM and restarts the plugin (Envoy's
// FAIL_RELOAD behaviour, which keeps one bad request from disabling the filter for good).
import { HeadersAction, LogLevel } from "./abi/enums.ts";
import type { HeaderPairs } from "./abi/serialization.ts";
import type { HttpStreamState, RootContextState } from "./contexts.ts";
import { ContextDispatcher } from "./dispatcher.ts";
import { VmFailure, type FailurePolicy } from "./failure.ts";
import type { CompiledProxyWasm } from "./loader.ts";
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

export class ProxyWasmPlugin {
  readonly rootId: string;
  readonly failurePolicy: FailurePolicy;
  readonly failures: VmFailure[] = [];
  private current: RunningVm | null = null;
  private nextContextId = 1;
  private vmGeneration = 0;

  constructor(readonly compiled: CompiledProxyWasm, private readonly options: PluginOptions = {}) {
    this.rootId = options.rootId ?? "";
    this.failurePolicy = options.failurePolicy ?? "fail-closed";
  }

  /** Builds the VM and starts the root context (throws ModuleLoadError, VmFailure, PluginStartError). */
  start(): void {
    if (this.current && !this.current.vm.failure) return;
    this.current?.vm.dispose();
    this.current = null;
    const vm = ProxyWasmVm.create(this.compiled, { ...this.options.vm, firstContextId: this.nextContextId });
    const dispatcher = new ContextDispatcher(vm);
    try {
      const root = dispatcher.startRoot({
        rootId: this.rootId,
        pluginName: this.options.name ?? this.rootId,
        configuration: this.options.configuration ?? new Uint8Array(0),
      });
      this.current = { vm, dispatcher, root };
      this.vmGeneration++;
    } catch (error) {
      this.nextContextId = vm.peekContextId();
      vm.dispose();
      if (error instanceof VmFailure) this.record(error);
      throw error;
    }
  }

  /** The running VM, rebuilt first if the previous one failed. */
  healthy(): RunningVm {
    if (!this.current || this.current.vm.failure) {
      if (this.current) this.nextContextId = this.current.vm.peekContextId();
      this.start();
    }
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

  newStream(): HttpStreamState {
    const { dispatcher, root } = this.healthy();
    try {
      return dispatcher.createHttpStream(root);
    } catch (error) {
      this.failed(error, undefined);
      throw error;
    }
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
    if (!this.failures.includes(error)) this.record(error);
    this.options.vm?.onLog?.({ level: LogLevel.Critical, message: error.message, contextId: stream?.id ?? null });
    if (stream) this.applyPolicy(stream);
  }

  private applyPolicy(stream: HttpStreamState): void {
    if (this.failurePolicy !== "fail-closed" || stream.localResponse) return;
    stream.localResponse = {
      statusCode: FAIL_CLOSED_STATUS,
      details: FAIL_CLOSED_DETAILS,
      body: new TextEncoder().encode("proxy-wasm plugin failed"),
      headers: [],
      grpcStatus: -1,
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
