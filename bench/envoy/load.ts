// One measured run: Debian's wrk (one thread, pinned with the upstream to the other core)
// against a path of the Envoy under test for a fixed time, and Envoy's CPU time over the same
// window, summed over all its threads from /proc/<pid>/task/*/schedstat (nanoseconds on CPU;
// /proc/<pid>/stat's utime/stime count 10 ms ticks).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

export function cpuNanos(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return total;
}

export interface Run {
  requests: number;
  rps: number;
  /** Envoy CPU µs per request (all threads). */
  cpuMicros: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx responses plus socket errors. */
  failures: number;
}

function millis(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: unreadable latency ${text}`);
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

export interface LoadOptions { url: string; headers: Record<string, string>; seconds: number; connections: number; cores?: string; envoyPid: number }

export async function load(o: LoadOptions): Promise<Run> {
  const args = ["-t1", `-c${o.connections}`, `-d${o.seconds}s`, "--latency"];
  for (const [k, v] of Object.entries(o.headers)) args.push("-H", `${k}: ${v}`);
  args.push(o.url);
  const [command, argv] = o.cores ? ["taskset", ["-c", o.cores, "wrk", ...args]] : ["wrk", args];
  const before = cpuNanos(o.envoyPid);
  const { stdout } = await run(command, argv, { encoding: "utf8" });
  const used = cpuNanos(o.envoyPid) - before;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
  const latency = (q: string) => millis(new RegExp(`^\\s+${q}%\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? "NaN");
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  if (!(requests > 0)) throw new Error(`wrk: no requests completed:\n${stdout}`);
  return {
    requests, rps: requests / o.seconds, cpuMicros: used / 1000 / requests,
    p50Ms: latency("50"), p99Ms: latency("99"), failures: non2xx + errors,
  };
}
