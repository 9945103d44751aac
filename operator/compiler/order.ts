/** Oldest first, then namespace/name: how every tie in the compiler is broken. */
export function byAge(
  a: { metadata: { creationTimestamp?: string; namespace: string; name: string } },
  b: { metadata: { creationTimestamp?: string; namespace: string; name: string } },
): number {
  const ta = a.metadata.creationTimestamp;
  const tb = b.metadata.creationTimestamp;
  if (ta && tb && ta !== tb) return Date.parse(ta) - Date.parse(tb);
  return compareStrings(a.metadata.namespace, b.metadata.namespace) || compareStrings(a.metadata.name, b.metadata.name);
}

/** Code-unit order, independent of the process locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
