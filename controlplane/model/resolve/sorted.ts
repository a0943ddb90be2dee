// Arrays of named IR objects kept in name order (JavaScript string order, as `.sort()` and
// `a < b` give), patched in place by the incremental path instead of re-sorted.

/** Index of the first element whose name is not below `name` (binary search). */
export function sortedIndex(list: readonly { name: string }[], name: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid].name < name) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Put `item` where its name belongs: replacing the element of the same name, else inserted. */
export function putSorted<T extends { name: string }>(list: T[], item: T): void {
  const at = sortedIndex(list, item.name);
  if (at < list.length && list[at].name === item.name) list[at] = item;
  else list.splice(at, 0, item);
}

/** Remove the element named `name`, if any. */
export function removeSorted(list: { name: string }[], name: string): void {
  const at = sortedIndex(list, name);
  if (at < list.length && list[at].name === name) list.splice(at, 1);
}
