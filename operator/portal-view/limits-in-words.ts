export interface Quota {
  limit: number;
  interval?: number;
  timeUnit: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
}

export interface RateLimit {
  requests: number;
  per: 'second' | 'minute';
  burst: number;
}

const count = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** A plan's limits as a developer reads them: "10 requests every 2 hours; at most 50 a second (bursts of 100)". */
export function limitsInWords(quota: Quota | undefined, rateLimit: RateLimit | undefined): string {
  const parts: string[] = [];
  if (quota) {
    const n = quota.interval ?? 1;
    parts.push(`${count(quota.limit, 'request')} ${n === 1 ? `a ${quota.timeUnit}` : `every ${count(n, quota.timeUnit)}`}`);
  }
  if (rateLimit) parts.push(`at most ${rateLimit.requests.toLocaleString('en-US')} a ${rateLimit.per} (bursts of ${rateLimit.burst.toLocaleString('en-US')})`);
  return parts.length ? parts.join('; ') : 'unlimited requests';
}
