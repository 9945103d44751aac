const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// An estate spells a handful of distinct durations many thousands of times; bounded so odd input cannot grow it.
const parsed = new Map<string, number | undefined>();
const MAX_PARSED = 1024;

/** `5s`, `250ms`, `1h30m`, `90d` -> milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  const ms = !parts.length || parts.map((p) => p[0]).join('') !== text ? undefined : parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(text, ms);
  return ms;
}
