// AssemblyScript's runtime calls `abort(message, file, line, column)` on assertion failures,
// failed casts, out-of-bounds access and `throw`. By default that is an import `env.abort`,
// which Envoy does not provide (a module importing it fails to load). asconfig.json adds this
// folder as a library (`"lib": ["filters/sdk/lib"]`) and routes abort here
// (`"use": ["abort=~lib/proxy_abort/proxyAbort"]`), so every module built with our config —
// filters and test probes alike, whether or not they import the SDK — logs the message at
// critical level through proxy_log and then traps, letting the host apply the failure policy.
// Self-contained on purpose: library files cannot import the SDK by relative path.

@external("env", "proxy_log")
declare function proxy_log_for_abort(level: u32, messagePtr: usize, messageLen: usize): u32;

/** LogLevel.Critical of proxy-wasm ABI 0.2.1. */
const CRITICAL: u32 = 5;

export function proxyAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  let text = "wasm abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) {
    text += " at " + fileName + ":" + lineNumber.toString() + ":" + columnNumber.toString();
  }
  const bytes = String.UTF8.encode(text);
  proxy_log_for_abort(CRITICAL, changetype<usize>(bytes), <usize>bytes.byteLength);
  unreachable();
}
