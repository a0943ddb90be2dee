import { describe, expect, it } from "vitest";
import { FakeClock } from "../clock.ts";
import { Probe, probeOptions } from "../../testdata/probe.ts";

const ERRNO = { SUCCESS: 0, BADF: 8, FAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58 };

describe("WASI subset (through the ABI probe)", () => {
  function iov(probe: Probe, text: string): number {
    const [p, l] = probe.put(text);
    const [slot] = probe.slots(1);
    new DataView(probe.vm.linearMemory.buffer).setUint32(slot, p, true);
    new DataView(probe.vm.linearMemory.buffer).setUint32(slot + 4, l, true);
    return slot;
  }

  it("fd_write: fd 1 -> info log, fd 2 -> error log, others EBADF; nwritten is set", () => {
    const probe = new Probe();
    const root = probe.host.rootContextId;
    const [written] = probe.slots(1);
    expect(probe.call("fd_write", root, 1, iov(probe, "to stdout\n"), 1, written)).toBe(ERRNO.SUCCESS);
    expect(probe.u32(written)).toBe(10);
    expect(probe.call("fd_write", root, 2, iov(probe, "to stderr"), 1, written)).toBe(ERRNO.SUCCESS);
    expect(probe.call("fd_write", root, 3, iov(probe, "x"), 1, written)).toBe(ERRNO.BADF);
    expect(probe.host.getLogs("info")).toContain("to stdout");
    expect(probe.host.getLogs("error")).toEqual(["to stderr"]);
    // Nothing written logs nothing (a flush of an empty buffer is not an empty log line).
    expect(probe.call("fd_write", root, 2, iov(probe, ""), 1, written)).toBe(ERRNO.SUCCESS);
    expect(probe.u32(written)).toBe(0);
    expect(probe.host.getLogs("error")).toEqual(["to stderr"]);
  });

  it("clock_time_get reads realtime and monotonic clocks; other ids are ENOTSUP, as in Envoy", () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const probe = new Probe(probeOptions().withClock(clock));
    const [slot] = probe.slots(1);
    clock.advance(2);
    expect(probe.call("clock_time_get", null, 0, 1n, slot)).toBe(ERRNO.SUCCESS);
    expect(probe.u64(slot)).toBe(BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n + 2_000_000n);
    expect(probe.call("clock_time_get", null, 1, 1n, slot)).toBe(ERRNO.SUCCESS);
    expect(probe.u64(slot)).toBe(2_000_000n);
    expect(probe.call("clock_time_get", null, 2, 1n, slot)).toBe(ERRNO.NOTSUP);
    expect(probe.call("clock_time_get", null, 9, 1n, slot)).toBe(ERRNO.NOTSUP);
  });

  it("random_get fills the buffer, refuses more than 64 KiB, EFAULT on a bad pointer", () => {
    const probe = new Probe();
    const [p] = probe.put(new Uint8Array(32));
    expect(probe.call("random_get", null, p, 32)).toBe(ERRNO.SUCCESS);
    const bytes = new Uint8Array(probe.vm.linearMemory.buffer, p, 32);
    expect(bytes.some((b) => b !== 0)).toBe(true);
    expect(probe.call("random_get", null, p, 65 * 1024)).toBe(ERRNO.INVAL);
    expect(probe.call("random_get", null, 0x7fff_fff0, 32)).toBe(ERRNO.FAULT);
  });

  it("environment and arguments are empty; fd_read is ENOSYS; wasi_unstable is served too", () => {
    const probe = new Probe();
    const [count, size] = probe.slots(2);
    expect(probe.call("environ_sizes_get", null, count, size)).toBe(ERRNO.SUCCESS);
    expect([probe.u32(count), probe.u32(size)]).toEqual([0, 0]);
    expect(probe.call("args_sizes_get", null, count, size)).toBe(ERRNO.SUCCESS);
    expect(probe.call("fd_read", null, 0, 0, 0, 0)).toBe(ERRNO.NOSYS);
    expect(probe.call("sched_yield", null)).toBe(ERRNO.SUCCESS);
  });

  it("proc_exit logs an error and fails the VM (the module cannot continue)", () => {
    const probe = new Probe();
    expect(() => probe.call("proc_exit", null, 3)).toThrow(/exit: module called proc_exit\(3\)/);
    expect(probe.host.getLogs("error")).toContain("wasi proc_exit(3)");
    expect(probe.vm.failure?.kind).toBe("exit");
  });

  it("the file system is absent: fd_seek/fd_fdstat_set_flags/fd_prestat_dir_name ENOSYS, fd_close/fd_prestat_get EBADF, path_open ENOENT", () => {
    const probe = new Probe();
    expect(probe.call("fd_seek", null, 1, 0n, 0, 0)).toBe(ERRNO.NOSYS);
    expect(probe.call("fd_fdstat_set_flags", null, 1, 0)).toBe(ERRNO.NOSYS);
    expect(probe.call("fd_prestat_dir_name", null, 3, 0, 0)).toBe(ERRNO.NOSYS);
    expect(probe.call("fd_close", null, 1)).toBe(ERRNO.BADF);
    // EBADF from fd_prestat_get tells wasi-libc there are no preopened directories.
    expect(probe.call("fd_prestat_get", null, 3, 0)).toBe(ERRNO.BADF);
    expect(probe.call("path_open", null, 3, 0, 0, 0, 0, 0n, 0n, 0, 0)).toBe(ERRNO.NOENT);
  });

  it("fd_fdstat_get describes stdout/stderr as writable and nothing else", () => {
    const probe = new Probe();
    const [stat] = probe.slots(4);
    expect(probe.call("fd_fdstat_get", null, 1, stat)).toBe(ERRNO.SUCCESS);
    expect(probe.u64(stat + 8)).toBe(64n); // rights_base = FD_WRITE
    expect(probe.call("fd_fdstat_get", null, 5, stat)).toBe(ERRNO.BADF);
  });

  it("environ_get/args_get succeed with nothing to write; clock_res_get is 1 ns; poll_oneoff reports no events", () => {
    const probe = new Probe();
    const [slot] = probe.slots(1);
    expect(probe.call("environ_get", null, 0, 0)).toBe(ERRNO.SUCCESS);
    expect(probe.call("args_get", null, 0, 0)).toBe(ERRNO.SUCCESS);
    expect(probe.call("clock_res_get", null, 1, slot)).toBe(ERRNO.SUCCESS);
    expect(probe.u64(slot)).toBe(1n);
    expect(probe.call("clock_res_get", null, 7, slot)).toBe(ERRNO.NOTSUP);
    new DataView(probe.vm.linearMemory.buffer).setUint32(slot, 99, true);
    expect(probe.call("poll_oneoff", null, 0, 0, 1, slot)).toBe(ERRNO.SUCCESS);
    expect(probe.u32(slot)).toBe(0);
    expect(probe.call("sched_yield_p1", null)).toBe(ERRNO.SUCCESS);
  });
});
