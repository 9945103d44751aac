import type { Quota, TimeUnit } from '../snapshot/types.ts';
import type { TimeZone } from './time-zone.ts';

/**
 * One calendar window of a quota.
 *
 * Alignment: a window of N units starts at a multiple of N units counted from the epoch
 * 1970-01-01T00:00 on the zone's wall clock; weeks count from Monday 1969-12-29 so that they
 * start on Mondays. So "10 per 2 hours" windows start at even hours, "per 3 months" at
 * January, April, July and October, "per 2 years" in even years. Intervals that do not divide
 * the next larger unit (5 hours, 5 months) still tile time without gaps, just not aligned to it.
 */
export interface QuotaWindow {
  /** Names the window in store keys: unit, interval and index since the epoch. */
  id: string;
  /** Instant the window opened (epoch ms, inclusive). */
  start: number;
  /** Instant the next window opens (epoch ms, exclusive). */
  end: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** Monday 1969-12-29T00:00 as local milliseconds. */
const MONDAY_EPOCH = -3 * DAY;

const FIXED_LENGTH: Partial<Record<TimeUnit, number>> = { minute: MINUTE, hour: HOUR, day: DAY, week: WEEK };

export function quotaWindow(quota: Pick<Quota, 'interval' | 'timeUnit'>, now: number, zone: TimeZone): QuotaWindow {
  const n = Math.max(1, Math.floor(quota.interval));
  const local = now + zone.offsetAt(now);
  let index: number;
  let startLocal: number;
  let endLocal: number;
  const fixed = FIXED_LENGTH[quota.timeUnit];
  if (fixed !== undefined) {
    const size = fixed * n;
    const origin = quota.timeUnit === 'week' ? MONDAY_EPOCH : 0;
    index = Math.floor((local - origin) / size);
    startLocal = origin + index * size;
    endLocal = startLocal + size;
  } else {
    const date = new Date(local);
    const months = quota.timeUnit === 'month' ? n : 12 * n;
    const monthsSinceEpoch = (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
    index = Math.floor(monthsSinceEpoch / months);
    // Date.UTC normalises month overflow (and negative months) into years.
    startLocal = Date.UTC(1970, index * months, 1);
    endLocal = Date.UTC(1970, (index + 1) * months, 1);
  }
  // A DST change can make the mapped start fall a hair after `now` for tiny windows; a
  // window must always contain the instant it was computed for.
  const start = Math.min(zone.toInstant(startLocal), now);
  const end = Math.max(zone.toInstant(endLocal), now + 1);
  return { id: `${quota.timeUnit}${n}:${index}`, start, end };
}
