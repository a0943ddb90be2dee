// Worker-thread side of IsolatedPlugin (isolated.ts): runs a HostEmulator on the system clock
// and answers { id, method, args } messages with { id, result, logs } or { id, error, logs }.
// Runs on its own thread so the parent can terminate it when a callback never returns.
import { parentPort, workerData } from "node:worker_threads";
import { systemClock } from "../runtime/clock.ts";
import { EmulatorOptions } from "./emulator-options.ts";
import { HostEmulator } from "./emulator.ts";
import { loadProxyWasmFile } from "../runtime/loader.ts";
import type { FailureRecord, IsolatedPluginOptions, WorkerReply, WorkerRequest } from "./isolated-protocol.ts";

const options = workerData as IsolatedPluginOptions;
const emulatorOptions = new EmulatorOptions()
  .withWasm(loadProxyWasmFile(options.wasmPath, { anyAbiImports: options.anyAbiImports }))
  .withClock(systemClock)
  .withRootId(options.rootId ?? "")
  .withVmId(options.vmId ?? "")
  .withFailurePolicy(options.failurePolicy ?? "fail-closed")
  .withPluginConfiguration(options.pluginConfiguration ?? "")
  .withVmConfiguration(options.vmConfiguration ?? "")
  .withLogLevel(options.logLevel ?? 0);
if (options.pluginName) emulatorOptions.withPluginName(options.pluginName);
if (options.upstreams) emulatorOptions.withUpstreams(options.upstreams);
if (options.maxMemoryBytes) emulatorOptions.withMaxMemoryBytes(options.maxMemoryBytes);
for (const [path, value] of Object.entries(options.properties ?? {})) emulatorOptions.withProperty(path, value);

const emulator = new HostEmulator(emulatorOptions);
let logsSent = 0;
let failuresSent = 0;

function newLogs() {
  const entries = emulator.getLogEntries().slice(logsSent);
  logsSent += entries.length;
  return entries;
}

function newFailures(): FailureRecord[] {
  const failures = emulator.getFailures().slice(failuresSent);
  failuresSent += failures.length;
  return failures.map((f) => ({ kind: f.kind, callback: f.callback, reason: f.reason, location: f.location, lastModuleError: f.lastModuleError }));
}

parentPort!.on("message", (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const method = (emulator as unknown as Record<string, (...args: unknown[]) => unknown>)[request.method];
    if (typeof method !== "function") throw new Error(`IsolatedPlugin: HostEmulator has no method ${request.method}`);
    const result = method.apply(emulator, request.args);
    // Nothing reads a stream after completion in the data plane: drop it so the worker stays bounded.
    if (request.method === "completeHttpContext") emulator.forgetHttpContext(request.args[0] as number);
    reply = { id: request.id, result, logs: newLogs(), failures: newFailures() };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error), logs: newLogs(), failures: newFailures() };
  }
  parentPort!.postMessage(reply);
});
