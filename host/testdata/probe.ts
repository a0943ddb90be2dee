// Test helper around build/host/testdata/abi-probe.wasm: starts the probe as a plugin and lets a
// test call its `call_<host function>` trampolines inside a chosen context, with inputs copied
// into the module's memory and results read back from it.
import { fileURLToPath } from "node:url";
import { EmulatorOptions } from "../harness/emulator-options.ts";
import { HostEmulator } from "../harness/emulator.ts";
import { loadProxyWasmFile, type CompiledProxyWasm } from "../runtime/loader.ts";
import type { ContextState, HttpStreamState } from "../runtime/contexts.ts";
import type { ProxyWasmVm } from "../runtime/vm.ts";

export const PROBE_WASM = fileURLToPath(new URL("../../build/host/testdata/abi-probe.wasm", import.meta.url));

let compiled: CompiledProxyWasm | undefined;
export function probeModule(): CompiledProxyWasm {
  // The probe imports the host functions of every ABI version, to test each one.
  compiled ??= loadProxyWasmFile(PROBE_WASM, { anyAbiImports: true });
  return compiled;
}

export function probeOptions(): EmulatorOptions {
  return new EmulatorOptions().withWasm(probeModule());
}

/** An emulator running the probe, with helpers to call trampolines. */
export class Probe {
  readonly host: HostEmulator;

  constructor(options: EmulatorOptions = probeOptions()) {
    this.host = new HostEmulator(options);
    this.host.startPlugin();
  }

  get vm(): ProxyWasmVm {
    return this.host.plugin.vm!;
  }

  /** Copies `data` into module memory (through its malloc); returns [ptr, len]. */
  put(data: string | Uint8Array): [number, number] {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const ptr = (this.vm.exports.malloc as (n: number) => number)(Math.max(1, bytes.length));
    new Uint8Array(this.vm.linearMemory.buffer).set(bytes, ptr);
    return [ptr, bytes.length];
  }

  /** A zeroed 8-byte-aligned scratch slot area for ret_* pointers. */
  slots(count = 4): number[] {
    const base = this.put(new Uint8Array(count * 8 + 8))[0];
    const aligned = (base + 7) & ~7;
    return Array.from({ length: count }, (_, i) => aligned + i * 8);
  }

  u32(ptr: number): number {
    return new DataView(this.vm.linearMemory.buffer).getUint32(ptr, true);
  }

  u64(ptr: number): bigint {
    return new DataView(this.vm.linearMemory.buffer).getBigUint64(ptr, true);
  }

  /** Bytes a host function returned through (ret_ptr_ptr, ret_len_ptr). */
  returned(retPtr: number, retLen: number): Uint8Array {
    const ptr = this.u32(retPtr);
    const len = this.u32(retLen);
    return new Uint8Array(this.vm.linearMemory.buffer).slice(ptr, ptr + len);
  }

  returnedText(retPtr: number, retLen: number): string {
    return new TextDecoder().decode(this.returned(retPtr, retLen));
  }

  context(id: number): ContextState {
    const context = this.vm.contexts.get(id);
    if (!context) throw new Error(`probe: no context ${id}`);
    return context;
  }

  /**
   * Calls trampoline `call_<name>` with `context` as the current context, as if from inside
   * that stream's callbacks: the maps it has are open (a real callback opens only its phase's).
   */
  call(name: string, contextId: number | null, ...args: Array<number | bigint>): number {
    const fn = this.vm.exports[`call_${name}`] as ((...a: Array<number | bigint>) => number) | undefined;
    if (!fn) throw new Error(`probe: no trampoline call_${name}`);
    const context = contextId === null ? null : this.context(contextId);
    if (context?.kind === "http") this.open(context);
    return this.vm.invoke(`call_${name}`, context, () => fn(...args));
  }

  private open(stream: HttpStreamState): void {
    stream.requestHeadersOpen = stream.requestHeaders !== null;
    stream.requestTrailersOpen = stream.requestTrailers !== null;
    stream.responseHeadersOpen = stream.responseHeaders !== null;
    stream.responseTrailersOpen = stream.responseTrailers !== null;
  }
}
