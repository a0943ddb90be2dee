// The RE2 program size Envoy checks on every regex (RE2::ProgramSize against the runtime key
// `re2.max_program_size.error_level`, default 100; source/common/common/regex.cc) and the
// limit Attaché uses. The bootstrap (controlplane/bootstrap) raises Envoy's limit to
// RE2_MAX_PROGRAM_SIZE and the model rejects a regex above it, so one Mapping never makes
// Envoy NACK a whole RouteConfiguration.
//
// ProgramSize counts the instructions of RE2's flattened program (re2/prog.cc Flatten): the
// compiled program's Alt and Nop instructions disappear into "lists", one per root (the
// start, the unanchored start's `.*?` loop, and every instruction that follows a byte range,
// capture or empty-width instruction); each list holds the consuming and Match instructions
// reachable from its root through Alts, and a Nop where it reaches another root. We rebuild
// that count from re2js's compiled program (the same compiler design over runes instead of
// UTF-8 bytes), counting a character class as the byte ranges RE2 emits for it. RE2 also
// strips a literal prefix after `^` (RE2::RequiredPrefix) before compiling. The numbers are
// checked against real Envoy's error messages in test/envoy/re2-program-size.test.ts.
import { RE2JS } from "re2js";

/** Largest RE2 program (RE2::ProgramSize, in instructions) a regex may compile to. */
export const RE2_MAX_PROGRAM_SIZE = 1000;

// re2js Inst opcodes (Go regexp/syntax's, which re2js ports).
const ALT = 1, ALT_MATCH = 2, CAPTURE = 3, EMPTY_WIDTH = 4, MATCH = 6, NOP = 7, RUNE = 8, RUNE1 = 9, RUNE_ANY = 10, RUNE_ANY_NOT_NL = 11;
const FOLD_CASE = 1;
const EMPTY_BEGIN_TEXT = 4;

interface Inst { op: number; out: number; arg: number; runes: Int32Array }
interface Prog { inst: Inst[]; start: number }

const utf8Length = (rune: number): number => (rune < 0x80 ? 1 : rune < 0x800 ? 2 : rune < 0x10000 ? 3 : 4);

/** Instructions RE2 emits for a class of rune ranges: a byte range per ASCII range (a range
 *  reaching 0x7f merges with the lead bytes of "everything above"), and for other non-ASCII
 *  ranges one byte range per UTF-8 byte of their widest rune. Case-folded letter pairs are one
 *  instruction (RE2's ByteRange has a fold-case flag). */
function classCost(runes: Int32Array, foldCase: boolean): number {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < runes.length; i += 2) ranges.push([runes[i]!, runes[i + 1] ?? runes[i]!]);
  const key = (lo: number, hi: number) => `${lo}-${hi}`;
  const present = new Set(ranges.map(([lo, hi]) => key(lo, hi)));
  const hasAscii = (c: number) => ranges.some(([lo, hi]) => lo <= c && c <= hi);
  let cost = 0;
  for (const [lo, hi] of ranges) {
    // Unicode's extra case variants of s and k (U+017F, U+212A): RE2 folds ASCII letters
    // with a flag and emits no instructions for them.
    if (lo === hi && ((lo === 0x17f && hasAscii(0x73)) || (lo === 0x212a && hasAscii(0x6b)))) continue;
    // An upper-case range whose lower-case twin is present is folded into it.
    if (lo >= 0x41 && hi <= 0x5a && present.has(key(lo + 32, hi + 32))) continue;
    if (hi < 0x80) cost += 1;
    else if (hi >= 0x10ffff && (lo <= 0x80 || ranges.some(([, h]) => h === lo - 1 && h >= 0x7f))) cost += lo < 0x80 ? 1 : 0;
    else cost += utf8Length(hi);
  }
  return Math.max(cost, foldCase ? 1 : cost);
}

/** What one consuming instruction costs where it is listed, and once more for its own UTF-8
 *  continuation bytes (each a root of its own). */
function runeCost(inst: Inst): { listed: number; once: number } {
  switch (inst.op) {
    case RUNE1: {
      const n = utf8Length(inst.runes[0] ?? 0);
      return { listed: 1, once: n - 1 };
    }
    case RUNE: {
      const cost = classCost(inst.runes, (inst.arg & FOLD_CASE) !== 0);
      return { listed: cost, once: 0 };
    }
    case RUNE_ANY: case RUNE_ANY_NOT_NL:
      return { listed: 2, once: 0 };
    default:
      return { listed: 1, once: 0 };
  }
}

const isEpsilon = (op: number) => op === ALT || op === ALT_MATCH || op === NOP;

/** RE2::RequiredPrefix: `^literal...` compiles without the literal (kept as a fast prefix check). */
function skipRequiredPrefix(prog: Prog): void {
  const start = prog.inst[prog.start]!;
  if (start.op !== EMPTY_WIDTH || (start.arg & EMPTY_BEGIN_TEXT) === 0) return;
  let next = start.out;
  while (prog.inst[next]?.op === RUNE1 && (prog.inst[next]!.arg & FOLD_CASE) === 0) next = prog.inst[next]!.out;
  start.out = next;
}

/** RE2's program size for `regex` (RE2 syntax, already known to compile). */
export function re2ProgramSize(regex: string): number {
  const compiled = RE2JS.compile(regex) as unknown as { re2Input: { prog: Prog } };
  const source = compiled.re2Input.prog;
  const prog: Prog = { start: source.start, inst: source.inst.map((i) => ({ op: i.op, out: i.out, arg: i.arg, runes: i.runes })) };
  skipRequiredPrefix(prog);
  const start = prog.inst[prog.start]!;
  const anchored = start.op === EMPTY_WIDTH && (start.arg & EMPTY_BEGIN_TEXT) !== 0;

  // Roots: the start and whatever follows a consuming, capture or empty-width instruction.
  const roots = new Set<number>([prog.start]);
  const reachable = new Set<number>();
  const stack = [prog.start];
  while (stack.length) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    const inst = prog.inst[id]!;
    if (inst.op === MATCH) continue;
    if (inst.op === ALT || inst.op === ALT_MATCH) stack.push(inst.out, inst.arg);
    else if (inst.op === NOP) stack.push(inst.out);
    else {
      roots.add(inst.out);
      stack.push(inst.out);
    }
  }

  const closure = (root: number): number[] => {
    const seen = new Set<number>();
    const out: number[] = [];
    const walk = [root];
    while (walk.length) {
      const id = walk.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const inst = prog.inst[id]!;
      if (id !== root && roots.has(id)) { out.push(-1); continue; } // a Nop to another root
      if (inst.op === ALT || inst.op === ALT_MATCH) walk.push(inst.arg, inst.out);
      else if (inst.op === NOP) walk.push(inst.out);
      else out.push(id);
    }
    return out;
  };

  // An instruction listed under two roots becomes a root itself (RE2's MarkDominator).
  for (let changed = true; changed;) {
    changed = false;
    const owner = new Map<number, number>();
    for (const root of roots) {
      for (const id of closure(root)) {
        if (id < 0 || id === root) continue;
        const first = owner.get(id);
        if (first === undefined) owner.set(id, root);
        else if (first !== root && !roots.has(id)) { roots.add(id); changed = true; }
      }
    }
  }

  let size = 1; // instruction 0: Fail
  if (!anchored) size += 2; // the unanchored start: the `.*?` byte range and a Nop to the start
  const counted = new Set<number>();
  for (const root of roots) {
    if (isEpsilon(prog.inst[root]!.op) && closure(root).length === 0) continue;
    for (const id of closure(root)) {
      if (id < 0) { size += 1; continue; }
      const cost = runeCost(prog.inst[id]!);
      size += cost.listed;
      if (!counted.has(id)) { counted.add(id); size += cost.once; }
    }
  }
  return size;
}
