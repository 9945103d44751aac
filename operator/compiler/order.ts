interface Aged {
  metadata: { creationTimestamp?: string; namespace: string; name: string };
}

/** Oldest first, then namespace/name: how every tie in the compiler is broken. */
export function sortByAge<T extends Aged>(items: readonly T[]): T[] {
  const keyed = items.map((item) => ({ item, t: item.metadata.creationTimestamp ? Date.parse(item.metadata.creationTimestamp) : NaN }));
  keyed.sort(
    (a, b) =>
      (a.t === b.t || Number.isNaN(a.t) || Number.isNaN(b.t) ? 0 : a.t - b.t) ||
      compareStrings(a.item.metadata.namespace, b.item.metadata.namespace) ||
      compareStrings(a.item.metadata.name, b.item.metadata.name),
  );
  return keyed.map((k) => k.item);
}

/** Code-unit order, independent of the process locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
