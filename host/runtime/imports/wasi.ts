// The WASI preview1 subset Envoy provides (proxy-wasm-cpp-host src/exports.cc, reference
// "WASI"): stdout/stderr go to the log (fd 1 info, fd 2 error), clocks and randomness work,
// environment and arguments are empty, there is no file system. Returned values are WASI
// errno codes, not WasmResults. The same functions serve `wasi_unstable`.
import { randomFillSync } from "node:crypto";
import { LogLevel } from "../abi/enums.ts";
import { MemoryAccessError } from "../memory.ts";
import type { ImportHost } from "./host-api.ts";

const ERRNO = { SUCCESS: 0, BADF: 8, FAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58 } as const;
const RANDOM_GET_LIMIT = 64 * 1024;

/** proc_exit cannot return: the host traps the module with this error. */
export class ProcExitError extends Error {
  constructor(readonly code: number) {
    super(`module called proc_exit(${code})`);
  }
}

function errno(fn: () => number): number {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MemoryAccessError) return ERRNO.FAULT;
    throw error;
  }
}

export function wasiImports(host: ImportHost) {
  const m = () => host.memory;
  return {
    fd_write(fd: number, iovs: number, iovsLen: number, retWritten: number): number {
      return errno(() => {
        if (fd !== 1 && fd !== 2) return ERRNO.BADF;
        const chunks: Uint8Array[] = [];
        let total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const base = m().readU32(iovs + i * 8);
          const len = m().readU32(iovs + i * 8 + 4);
          chunks.push(m().copyBytes(base, len, "fd_write iov"));
          total += len;
        }
        const bytes = new Uint8Array(total);
        let at = 0;
        for (const chunk of chunks) {
          bytes.set(chunk, at);
          at += chunk.length;
        }
        // As cpp-host's writevImpl: nothing written logs nothing; one trailing newline is dropped.
        if (total > 0) host.log(fd === 1 ? LogLevel.Info : LogLevel.Error, new TextDecoder().decode(bytes).replace(/\n$/, ""));
        m().writeU32(retWritten, total);
        return ERRNO.SUCCESS;
      });
    },
    fd_read: (): number => ERRNO.NOSYS,
    fd_seek: (): number => ERRNO.NOSYS,
    fd_close: (): number => ERRNO.BADF,
    fd_fdstat_get(fd: number, retStat: number): number {
      return errno(() => {
        if (fd !== 1 && fd !== 2) return ERRNO.BADF;
        // 24-byte fdstat: filetype 0, flags 0, rights_base = FD_WRITE (64), inheriting 0.
        m().view8(retStat, 24, "fdstat").fill(0);
        m().writeU64(retStat + 8, 64n);
        return ERRNO.SUCCESS;
      });
    },
    fd_fdstat_set_flags: (): number => ERRNO.NOSYS,
    fd_prestat_get: (): number => ERRNO.BADF,
    fd_prestat_dir_name: (): number => ERRNO.NOSYS,
    path_open: (): number => ERRNO.NOENT,
    environ_sizes_get(retCount: number, retSize: number): number {
      return errno(() => { m().writeU32(retCount, 0); m().writeU32(retSize, 0); return ERRNO.SUCCESS; });
    },
    environ_get: (): number => ERRNO.SUCCESS,
    args_sizes_get(retCount: number, retSize: number): number {
      return errno(() => { m().writeU32(retCount, 0); m().writeU32(retSize, 0); return ERRNO.SUCCESS; });
    },
    args_get: (): number => ERRNO.SUCCESS,
    clock_time_get(clockId: number, _precision: bigint, retTime: number): number {
      return errno(() => {
        if (clockId === 0) m().writeU64(retTime, host.clock.unixNanos());
        else if (clockId === 1) m().writeU64(retTime, host.clock.monotonicNanos());
        else return ERRNO.NOTSUP; // the CPU-time clocks (2, 3) and unknown ids, as cpp-host answers
        return ERRNO.SUCCESS;
      });
    },
    clock_res_get(clockId: number, retRes: number): number {
      return errno(() => {
        if (clockId !== 0 && clockId !== 1) return ERRNO.NOTSUP;
        m().writeU64(retRes, 1n);
        return ERRNO.SUCCESS;
      });
    },
    random_get(ptr: number, len: number): number {
      return errno(() => {
        if (len > RANDOM_GET_LIMIT) return ERRNO.INVAL;
        randomFillSync(m().view8(ptr, len, "random_get"));
        return ERRNO.SUCCESS;
      });
    },
    proc_exit(code: number): never {
      host.log(LogLevel.Error, `wasi proc_exit(${code})`);
      throw new ProcExitError(code);
    },
    sched_yield: (): number => ERRNO.SUCCESS,
    poll_oneoff(_in: number, _out: number, _count: number, retEvents: number): number {
      return errno(() => { m().writeU32(retEvents, 0); return ERRNO.SUCCESS; });
    },
  };
}
