// What a module's binary says about its function types, imports, exports and memory
// (WebAssembly binary format: sections Type 1, Import 2, Function 3, Memory 5, Export 7). Node
// 20 has no type reflection (WebAssembly.Module.imports gives names and kinds only), and the
// checks Envoy makes at load time need the types; the memory cap needs the declared limits.
import type { Signature } from "./signatures.ts";

export interface MemoryLimits {
  initial: number;
  maximum?: number;
  /** Limits flags byte: bit 0 has-maximum, bit 1 shared, bit 2 memory64. */
  flags?: number;
}

export interface ModuleShape {
  imports: Array<{ module: string; name: string; kind: "function" | "memory" | "table" | "global" | "tag"; signature?: Signature; limits?: MemoryLimits }>;
  exports: Map<string, Signature>;
  /** The module's own memory (not imported): its limits and where they sit in the binary. */
  memory?: { limits: MemoryLimits; sectionStart: number; sectionEnd: number };
}

const VALTYPES: Record<number, string> = { 0x7f: "i", 0x7e: "I", 0x7d: "f", 0x7c: "F", 0x7b: "v", 0x70: "r", 0x6f: "x" };

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.bytes.length) throw new RangeError("wasm binary: unexpected end");
    return this.bytes[this.offset++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name(): string {
    const n = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return text;
  }
  limits(): MemoryLimits {
    const flags = this.u32();
    const initial = this.u32();
    return flags & 1 ? { initial, maximum: this.u32(), flags } : { initial, flags };
  }
  valtypes(): string {
    const n = this.u32();
    let out = "";
    for (let i = 0; i < n; i++) {
      const t = this.byte();
      out += VALTYPES[t] ?? "?";
    }
    return out;
  }
}

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  const r = new Reader(bytes);
  r.offset = 8; // magic + version
  const types: Signature[] = [];
  const funcTypes: number[] = []; // type index per function index (imports first)
  const shape: ModuleShape = { imports: [], exports: new Map() };
  const exportedFuncs: Array<[string, number]> = [];
  while (r.offset < bytes.length) {
    const sectionStart = r.offset;
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new RangeError(`wasm binary: type ${i} is not a function type (0x${form.toString(16)})`);
        const params = r.valtypes();
        types.push({ params, results: r.valtypes() });
      }
    } else if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0x00) {
          const type = r.u32();
          funcTypes.push(type);
          shape.imports.push({ module, name, kind: "function", signature: types[type] });
        } else if (kind === 0x01) {
          r.byte();
          r.limits();
          shape.imports.push({ module, name, kind: "table" });
        } else if (kind === 0x02) {
          shape.imports.push({ module, name, kind: "memory", limits: r.limits() });
        } else if (kind === 0x03) {
          r.byte();
          r.byte();
          shape.imports.push({ module, name, kind: "global" });
        } else if (kind === 0x04) {
          r.byte();
          r.u32();
          shape.imports.push({ module, name, kind: "tag" });
        } else throw new RangeError(`wasm binary: unknown import kind ${kind}`);
      }
    } else if (id === 3) {
      const count = r.u32();
      for (let i = 0; i < count; i++) funcTypes.push(r.u32());
    } else if (id === 5) {
      const count = r.u32();
      if (count > 0) shape.memory = { limits: r.limits(), sectionStart, sectionEnd: end };
    } else if (id === 7) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        if (kind === 0x00) exportedFuncs.push([name, index]);
      }
    }
    r.offset = end;
  }
  for (const [name, index] of exportedFuncs) {
    const type = types[funcTypes[index]!];
    if (type) shape.exports.set(name, type);
  }
  return shape;
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/**
 * The binary with its own memory's maximum lowered to `maxPages` (kept if already lower), so
 * memory.grow past the cap returns -1 inside the module, as V8 does under Envoy's
 * --wasm_max_mem_pages. Only a module with one defined memory is rewritten.
 */
export function withMemoryMaximum(bytes: Uint8Array, shape: ModuleShape, maxPages: number): Uint8Array {
  const memory = shape.memory;
  // Shared or 64-bit memories keep their limits (no proxy-wasm SDK produces them).
  if (!memory || (memory.limits.flags ?? 0) & ~1) return bytes;
  const maximum = Math.min(memory.limits.maximum ?? maxPages, maxPages);
  if (memory.limits.maximum === maximum) return bytes;
  const body = [1, ...[0x01], ...leb(memory.limits.initial), ...leb(maximum)];
  const section = [5, ...leb(body.length), ...body];
  const out = new Uint8Array(bytes.length - (memory.sectionEnd - memory.sectionStart) + section.length);
  out.set(bytes.subarray(0, memory.sectionStart), 0);
  out.set(section, memory.sectionStart);
  out.set(bytes.subarray(memory.sectionEnd), memory.sectionStart + section.length);
  return out;
}
