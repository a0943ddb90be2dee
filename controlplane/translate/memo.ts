// Structural sharing: the model hands over the SAME IR
// objects (===) for unchanged inputs, so results cached per IR object are reused and a
// one-Mapping change re-translates one virtual host. The caches hold only derived, immutable
// JSON, so translate() stays a pure function: equal input, equal output.

/** Caches `compute(key)` per key object; entries go away with the key. */
export function perObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key: K): V => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}

/** Caches `compute(key, context)` per key object, recomputed when `context` (compared with
 *  ===) differs from the one the cached value was built with. */
export function perObjectIn<K extends object, C, V>(compute: (key: K, context: C) => V): (key: K, context: C) => V {
  const cache = new WeakMap<K, { context: C; value: V }>();
  return (key: K, context: C): V => {
    const hit = cache.get(key);
    if (hit && hit.context === context) return hit.value;
    const value = compute(key, context);
    cache.set(key, { context, value });
    return value;
  };
}

/** Keeps the last result and returns it again while every part is the same (===), so an
 *  aggregate (a Listener over 500 filter chains) keeps its identity when nothing in it changed. */
export function lastResult<V>(): (parts: readonly unknown[], build: () => V) => V {
  let lastParts: readonly unknown[] | undefined;
  let lastValue: V | undefined;
  return (parts, build) => {
    if (lastParts && lastParts.length === parts.length && lastParts.every((p, i) => p === parts[i])) {
      return lastValue as V;
    }
    lastValue = build();
    lastParts = [...parts];
    return lastValue;
  };
}

/** Same value for the same key string (e.g. the HCM filter list for the same set of filters). */
export function byKey<V>(): (key: string, build: () => V) => V {
  let lastKey: string | undefined;
  let lastValue: V | undefined;
  return (key, build) => {
    if (key !== lastKey) {
      lastValue = build();
      lastKey = key;
    }
    return lastValue as V;
  };
}
