// Dependency-keyed memoization: the heart of structural sharing. A value is recomputed only
// when one of its dependencies is not identical (===) to last time, so unchanged Mappings
// give the SAME RouteIR / VirtualHostIR / ClusterIR objects and the translator's WeakMaps hit.
type Entry = { deps: readonly unknown[]; value: unknown };

/** What route building needs from a memo. */
export interface MemoLike {
  get<T>(key: string, deps: readonly unknown[], compute: () => T): T;
}

/** A memo for one rebuild of a cached value (a virtual host): it reuses entries of the
 *  previous rebuild and keeps only those used now, so nothing global needs sweeping. */
export class ScopedMemo implements MemoLike {
  readonly entries = new Map<string, Entry>();
  constructor(private readonly previous?: Map<string, Entry>) {}

  get<T>(key: string, deps: readonly unknown[], compute: () => T): T {
    const entry = this.entries.get(key) ?? this.previous?.get(key);
    if (entry && sameDeps(entry.deps, deps)) {
      this.entries.set(key, entry);
      return entry.value as T;
    }
    const value = compute();
    this.entries.set(key, { deps, value });
    return value;
  }
}

export class Memo implements MemoLike {
  private entries = new Map<string, { deps: readonly unknown[]; value: unknown }>();
  private live = new Set<string>();

  get<T>(key: string, deps: readonly unknown[], compute: () => T): T {
    this.live.add(key);
    const entry = this.entries.get(key);
    if (entry && sameDeps(entry.deps, deps)) return entry.value as T;
    const value = compute();
    this.entries.set(key, { deps, value });
    return value;
  }

  /** Drop entries not used since the last sweep (deleted resources). */
  sweep(): void {
    for (const key of this.entries.keys()) if (!this.live.has(key)) this.entries.delete(key);
    this.live.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
