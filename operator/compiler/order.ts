interface Aged {
  metadata: { creationTimestamp?: string; namespace: string; name: string };
}

/** Oldest first, then namespace/name: how every tie in the compiler is broken. */
export function sortByAge<T extends Aged>(items: readonly T[]): T[] {
  // An object without a timestamp (from a file) counts as newer than any with one, so the order is total.
  // Positions and times in flat arrays rather than an {item, time} object per item: sorted the same, with no garbage per item.
  const times = new Float64Array(items.length);
  const order = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const t = items[i]!.metadata.creationTimestamp;
    times[i] = t ? parseTimestamp(t) : Infinity;
    order[i] = i;
  }
  order.sort((i, j) => {
    const a = times[i]!;
    const b = times[j]!;
    const x = items[i]!.metadata;
    const y = items[j]!.metadata;
    return (a === b ? 0 : a < b ? -1 : 1) || compareStrings(x.namespace, y.namespace) || compareStrings(x.name, y.name);
  });
  return order.map((i) => items[i]!);
}

/**
 * `Date.parse(t)`, read directly when `t` is in the form Kubernetes writes
 * (`2025-01-01T00:00:00Z`, a 1970-or-later year), which is several times faster
 * than the general parser for the 160,000 timestamps of a large estate.
 */
export function parseTimestamp(t: string): number {
  if (t.length === 20 && t[4] === '-' && t[7] === '-' && t[10] === 'T' && t[13] === ':' && t[16] === ':' && t[19] === 'Z') {
    const year = digits(t, 0, 4);
    const month = digits(t, 5, 2);
    const day = digits(t, 8, 2);
    const hour = digits(t, 11, 2);
    const minute = digits(t, 14, 2);
    const second = digits(t, 17, 2);
    // Outside these ranges the general parser decides (it refuses some, rolls others over).
    if (
      year >= 1970 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    ) {
      return Date.UTC(year, month - 1, day, hour, minute, second);
    }
  }
  return Date.parse(t);
}

/** The decimal number in `count` characters of `text` from `at`; -1 if one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
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
