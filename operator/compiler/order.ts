interface Aged {
  metadata: { creationTimestamp?: string; namespace: string; name: string };
}

/** Oldest first, then namespace/name: how every tie in the compiler is broken. */
export function sortByAge<T extends Aged>(items: readonly T[]): T[] {
  // An object without a timestamp (from a file) counts as newer than any with one, so the order is total.
  const keyed = items.map((item) => ({ item, t: item.metadata.creationTimestamp ? Date.parse(item.metadata.creationTimestamp) : Infinity }));
  keyed.sort(
    (a, b) =>
      (a.t === b.t ? 0 : a.t < b.t ? -1 : 1) ||
      compareStrings(a.item.metadata.namespace, b.item.metadata.namespace) ||
      compareStrings(a.item.metadata.name, b.item.metadata.name),
  );
  return keyed.map((k) => k.item);
}

/** Code-unit order, independent of the process locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Why `winner` goes before `loser`, in words for a condition message. */
export function precedence(winner: Aged, loser: Aged): string {
  const tw = winner.metadata.creationTimestamp;
  const tl = loser.metadata.creationTimestamp;
  return tw && (!tl || Date.parse(tw) < Date.parse(tl)) ? 'which is older' : 'which comes first by namespace/name';
}
