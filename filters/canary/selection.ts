// Envoy's side of the contract (docs/envoy-wiring.md "Canary routing"; Envoy
// source/common/router/config_impl.cc, WeightedClusterEntry selection): with
// `WeightedCluster.header_name` set, Envoy reads the header as an unsigned 64-bit integer and
// picks the first cluster whose cumulative weight exceeds `value % total_weight`, in list
// order. The control plane lists the canary cluster first, so for canary weight w and total T:
//
//   value % T in [0, w)  -> canary
//   value % T in [w, T)  -> primary (and any further clusters)
//
// The value depends only on the user's key, never on the weights, so a user's side is fixed
// while the weights stay put, and raising w to w' only moves users whose value % T lies in
// [w, w') from primary to canary: ramping up only adds canary users.

export enum Side {
  Canary = 0,
  Primary = 1,
  /** No header written: Envoy picks a cluster at random for this request. */
  Unassigned = 2,
}

/** The side Envoy selects for header value `value` (canary listed first). */
export function envoySide(value: u64, canaryWeight: u32, totalWeight: u32): Side {
  return value % <u64>totalWeight < <u64>canaryWeight ? Side.Canary : Side.Primary;
}

export enum Override {
  None = 0,
  /** `x-canary: always`: value 0, which every canary weight >= 1 selects. */
  Always = 1,
  /** `x-canary: never`: value total_weight - 1, the last slot, owned by the primary (listed last) whenever the canary weight is below the total. */
  Never = 2,
}

/** Parses the override header's value; anything but "always"/"never" is no override. */
export function parseOverride(value: string | null): Override {
  if (value === null) return Override.None;
  if (value == "always") return Override.Always;
  if (value == "never") return Override.Never;
  return Override.None;
}

/** The header value that makes Envoy honour override `mode` for a route of total weight `totalWeight`. */
export function overrideValue(mode: Override, totalWeight: u32): u64 {
  return mode == Override.Always ? 0 : <u64>totalWeight - 1;
}
