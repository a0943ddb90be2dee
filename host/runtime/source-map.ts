// Maps wasm code offsets in a V8 stack trace to AssemblyScript source lines using the module's
// `.wasm.map` (asc --sourceMap). V8 prints wasm frames as `...wasm-function[12]:0x1a2b`, where
// 0x1a2b is the byte offset in the module; asc source maps put that offset in the column of
// generated line 1, so Node's built-in SourceMap (node:module) can look it up.
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";

const MAX_BACKTRACK = 64;

export interface SourceLocation {
  source: string;
  line: number;
  column: number;
  functionName?: string;
}

// V8's own format is `wasm://wasm/<hash>:wasm-function[12]:0x1a2b`; when a prepareStackTrace
// hook is installed (Node --enable-source-maps, vitest) the frame reads `wasm://wasm/<hash>:1:N`
// with N = offset + 1. Both are understood.
const WASM_FRAME = /at (?:(\S+) \()?wasm:\/\/wasm\/[0-9a-f]+:(?:wasm-function\[\d+\]:0x([0-9a-f]+)|1:(\d+))\)?/;

function frameOffset(match: RegExpExecArray): number {
  return match[2] !== undefined ? parseInt(match[2], 16) : Number(match[3]) - 1;
}

export class WasmSourceMap {
  private constructor(private readonly map: SourceMap, private readonly shift = 0) {}

  /**
   * The same map for a module whose code sits `bytes` further on than in the binary the map
   * was made for (the loader rewrote a section before the code: loader.ts memory cap).
   */
  shifted(bytes: number): WasmSourceMap {
    return bytes === 0 ? this : new WasmSourceMap(this.map, this.shift + bytes);
  }

  /** Loads `<wasmPath>.map` if it exists. */
  static forWasmFile(wasmPath: string): WasmSourceMap | undefined {
    const mapPath = `${wasmPath}.map`;
    if (!existsSync(mapPath)) return undefined;
    return WasmSourceMap.fromJson(readFileSync(mapPath, "utf8"));
  }

  static fromJson(json: string): WasmSourceMap {
    return new WasmSourceMap(new SourceMap(JSON.parse(json)));
  }

  /**
   * Source position of the instruction at `byteOffset`. A caller's frame points at its call
   * instruction, which asc often leaves unmapped (the mapping sits on the expression before
   * it), so the nearest mapped offset within a short distance before is used.
   */
  locate(byteOffset: number): SourceLocation | undefined {
    byteOffset -= this.shift;
    for (let offset = byteOffset; offset >= 0 && offset > byteOffset - MAX_BACKTRACK; offset--) {
      const location = this.locateExact(offset);
      if (location) return location;
    }
    return undefined;
  }

  private locateExact(byteOffset: number): SourceLocation | undefined {
    const entry = this.map.findEntry(0, byteOffset) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
    return { source: entry.originalSource, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  }

  /** The first wasm frame of `stack` that maps to a source file outside AssemblyScript's std lib. */
  locateStack(stack: string): SourceLocation | undefined {
    let fallback: SourceLocation | undefined;
    for (const line of stack.split("\n")) {
      const match = WASM_FRAME.exec(line);
      if (!match) continue;
      const location = this.locate(frameOffset(match));
      if (!location) continue;
      if (match[1]) location.functionName = match[1];
      if (!location.source.startsWith("~lib/")) return location;
      fallback ??= location;
    }
    return fallback;
  }
}

/** The first wasm frame's function name and offset, for modules without a source map. */
export function firstWasmFrame(stack: string): string | undefined {
  for (const line of stack.split("\n")) {
    if (WASM_FRAME.test(line)) return line.trim().replace(/^at /, "");
  }
  return undefined;
}
