/**
 * The zone whose wall clock quota windows follow. Calendar arithmetic is done on "local
 * milliseconds" (the wall clock read as if it were UTC) and mapped back to instants here.
 */
export interface TimeZone {
  readonly name: string;
  /** Milliseconds to add to the instant `t` to read the zone's wall clock. */
  offsetAt(t: number): number;
  /** The instant at which the wall clock first shows `local`; see `localToInstant`. */
  toInstant(local: number): number;
  /** The offset never changes (UTC, `+05:30`): every instant of a window then maps back to that window. */
  readonly fixed: boolean;
}

const FIXED = /^([+-])(\d{2}):?(\d{2})$/;

/**
 * `UTC` (the default), a fixed offset such as `+05:30`, or an IANA name such as
 * `Europe/Berlin` (through Intl, so the zone data is the runtime's own ICU data).
 * Throws RangeError on anything else, so a typo fails at start-up rather than per request.
 */
export function parseTimeZone(name = 'UTC'): TimeZone {
  if (name === 'UTC' || name === 'Z' || name === 'Etc/UTC') return fixedZone('UTC', 0);
  const fixed = FIXED.exec(name);
  if (fixed) {
    const [, sign, hh, mm] = fixed;
    const minutes = Number(hh) * 60 + Number(mm);
    if (Number(hh) > 23 || Number(mm) > 59) throw new RangeError(`invalid UTC offset: ${name}`);
    return fixedZone(name, (sign === '-' ? -1 : 1) * minutes * 60_000);
  }
  return namedZone(name);
}

function fixedZone(name: string, offset: number): TimeZone {
  return { name, offsetAt: () => offset, toInstant: (local) => local - offset, fixed: true };
}

function namedZone(name: string): TimeZone {
  // Throws RangeError for an unknown zone.
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const offsetAt = (t: number): number => {
    const whole = Math.floor(t / 1000) * 1000;
    const f: Record<string, number> = {};
    for (const part of format.formatToParts(whole)) {
      if (part.type !== 'literal') f[part.type] = Number(part.value);
    }
    const local = Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
    return local - whole;
  };
  return { name, offsetAt, toInstant: (local) => localToInstant(local, offsetAt), fixed: false };
}

/**
 * Wall clock -> instant. Around a DST change a wall-clock time can be missing (spring
 * forward: it is read with the offset from before the change, so a boundary that falls in
 * the gap lands on the change itself) or shown twice (fall back: the earlier instant). Either
 * way windows stay contiguous: a window ends exactly where the next one starts.
 */
export function localToInstant(local: number, offsetAt: (t: number) => number): number {
  const before = offsetAt(local - 86_400_000);
  const after = offsetAt(local + 86_400_000);
  const early = local - before;
  if (offsetAt(early) === before) return early;
  const late = local - after;
  if (offsetAt(late) === after) return late;
  // In a gap: neither reading exists; the change happened at this instant.
  return local - before;
}
