// Reads the limits of an imported memory from a module's import section (WebAssembly binary
// format, "Import Section": id 2; entries are module name, field name, kind byte and type).
// Node 20 has no type reflection, and an imported memory smaller than the declared minimum
// fails to link, so the host needs the minimum to supply a memory with its own cap as maximum.

export interface MemoryLimits {
  initial: number;
  maximum?: number;
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
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
  skip(n: number): void {
    this.offset += n;
  }
  limits(): MemoryLimits {
    const flags = this.u32();
    const initial = this.u32();
    return flags & 1 ? { initial, maximum: this.u32() } : { initial };
  }
}

/** Limits of the first imported memory, or undefined when the module imports none. */
export function importedMemoryLimits(bytes: Uint8Array): MemoryLimits | undefined {
  const r = new Reader(bytes);
  r.skip(8); // magic + version
  while (r.offset < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id !== 2) {
      r.offset = end;
      continue;
    }
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.skip(r.u32()); // module name
      r.skip(r.u32()); // field name
      const kind = r.byte();
      if (kind === 0x00) r.u32(); // function: type index
      else if (kind === 0x01) { r.byte(); r.limits(); } // table: reftype + limits
      else if (kind === 0x02) return r.limits();
      else if (kind === 0x03) { r.byte(); r.byte(); } // global: valtype + mutability
      else if (kind === 0x04) { r.byte(); r.u32(); } // tag: attribute + type index
      else throw new RangeError(`wasm binary: unknown import kind ${kind}`);
    }
    return undefined;
  }
  return undefined;
}
