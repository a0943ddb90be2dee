// The measurements README.md reports. Envoy's selection is computed here from the header
// values the filter writes (BigInt `value % total < canaryWeight`, canary listed first), not
// by the filter's own code. Keys: 100k random UUIDs (a random user population) and 100k
// sequential ids "user-1".."user-100000" (the worst case for a weak hash: keys differing only
// in their last bytes).
import { describe, expect, it } from "vitest";
import * as logic from "../../build/filters/canary/logic.js";

const KEYS = 100_000;
/** splitmix64: a seeded generator, so the "random" population and every number is repeatable. */
function* splitmix64(seed: bigint): Generator<bigint> {
  const mask = (1n << 64n) - 1n;
  let state = seed;
  for (;;) {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    yield z ^ (z >> 31n);
  }
}
const random = splitmix64(20261122n);
/** 128-bit random ids in UUID-like hex, like the sticky cookie's values. */
const randomKeys = Array.from({ length: KEYS }, () => {
  const hex = random.next().value.toString(16).padStart(16, "0") + random.next().value.toString(16).padStart(16, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
});
const sequentialKeys = Array.from({ length: KEYS }, (_, i) => `user-${i + 1}`);

const isCanary = (value: bigint, weight: bigint, total = 100n) => value % total < weight;

/** Pearson's chi-square of `value % slots` over equally likely slots (slots - 1 degrees of freedom). */
function chiSquare(values: bigint[], slots: number): number {
  const counts = new Array<number>(slots).fill(0);
  for (const v of values) counts[Number(v % BigInt(slots))]++;
  const expected = values.length / slots;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

describe("distribution (100k keys)", () => {
  const values = randomKeys.map((k) => logic.keyHash64(k));

  it("puts 10% +- 0.5 points of random keys on the canary at weight 10", () => {
    const share = values.filter((v) => isCanary(v, 10n)).length / KEYS;
    console.log(`canary share at 10%: ${(share * 100).toFixed(2)}%`);
    expect(Math.abs(share - 0.1)).toBeLessThan(0.005);
  });

  it("moves nobody out of the canary when ramping 10% -> 20%, and adds ~10 points", () => {
    const before = values.map((v) => isCanary(v, 10n));
    const after = values.map((v) => isCanary(v, 20n));
    const movedOut = before.filter((c, i) => c && !after[i]).length;
    const added = before.filter((c, i) => !c && after[i]).length;
    console.log(`ramp 10% -> 20%: moved out ${movedOut}, added ${added} (${((added / KEYS) * 100).toFixed(2)} points)`);
    expect(movedOut).toBe(0);
    expect(Math.abs(added / KEYS - 0.1)).toBeLessThan(0.005);
  });

  // Deterministic key sets, so these numbers are exact and repeatable.
  const hexIds = Array.from({ length: KEYS }, (_, i) => i.toString(16).padStart(8, "0"));
  it.each([
    ["sequential ids", sequentialKeys, 1_000, 1143.9],
    ["sequential ids", sequentialKeys, 10_000, 10_535],
    ["hex ids", hexIds, 100, 148.2],
  ])("spreads %s evenly over %i slots only with the fmix64 finalizer", (name, keys, slots, critical) => {
    // `critical`: chi-square critical value for slots-1 degrees of freedom at p = 0.001.
    const raw = chiSquare(keys.map((k) => logic.fnv1a64(k)), slots);
    const finalized = chiSquare(keys.map((k) => logic.keyHash64(k)), slots);
    console.log(`chi-square of value % ${slots} for ${name} (${slots - 1} df, p=0.001 critical ${critical}): raw FNV-1a ${raw.toFixed(1)}, FNV-1a+fmix64 ${finalized.toFixed(1)}`);
    expect(finalized).toBeLessThan(critical);
    expect(raw).toBeGreaterThan(critical);
  });

  it("spreads random keys evenly over 100 slots", () => {
    const measured = chiSquare(values, 100);
    console.log(`chi-square of value % 100 for random ids: ${measured.toFixed(1)}`);
    expect(measured).toBeLessThan(148.2);
  });
});
