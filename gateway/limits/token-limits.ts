import type { TokenQuota } from '../snapshot/types.ts';
import { escapePart } from './keys.ts';
import type { TimeZone } from './time-zone.ts';
import { quotaWindow, type QuotaWindow } from './windows.ts';

/** One LLM request's token quotas, for the (application, product) it was authorised for. */
export interface TokenCheck {
  application: string;
  product: string;
  quotas: readonly TokenQuota[];
  failureMode: 'open' | 'closed';
}

/** Tokens a response used, by kind. */
export interface TokenCounts {
  prompt: number;
  completion: number;
  total: number;
}

export interface TokenDecision {
  allowed: boolean;
  reason?: 'tokenQuota' | 'storeUnavailable';
  /** Tokens already counted in each quota's window, in the order of `quotas` (absent when the store did not answer). */
  used?: number[];
  headers: Record<string, string>;
}

/**
 * Token quotas are counted after the fact: how many tokens a request costs is only known
 * once its response has ended. So a request is admitted while every window still has
 * tokens left (`check`), and what it used is added when it is done (`record`): like
 * Kong's and WSO2's AI rate limits, the last admitted request may overshoot a window,
 * never the one after it.
 */
export interface TokenLimitStore {
  check(request: TokenCheck, now: number): TokenDecision | Promise<TokenDecision>;
  /** `now` is the request's own start, so its tokens go to the window that admitted it. */
  record(request: TokenCheck, used: TokenCounts, now: number): void | Promise<void>;
  close(): Promise<void>;
}

export interface TokenWindowKey {
  key: string;
  window: QuotaWindow;
  quota: TokenQuota;
}

/** One key per quota: `<prefix>{<app>|<product>}:t:<tokens>:<unit><n>:<index>`, in the request quotas' hash slot. */
export function tokenKeys(prefix: string, request: TokenCheck, now: number, zone: TimeZone): TokenWindowKey[] {
  return request.quotas.map((quota) => {
    const window = quotaWindow(quota, now, zone);
    const tag = `${prefix}{${escapePart(request.application)}|${escapePart(request.product)}}`;
    return { key: `${tag}:t:${quota.tokens}:${window.id}`, window, quota };
  });
}

export function tokensOf(counts: TokenCounts, kind: TokenQuota['tokens']): number {
  return kind === 'prompt' ? counts.prompt : kind === 'completion' ? counts.completion : counts.total;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000 - 1e-9));

/** `"tokens-total";q=…;w=…` and `"tokens-total";r=…;t=…` items for the RateLimit fields, and the decision. */
export function tokenDecision(keys: readonly TokenWindowKey[], used: readonly number[], now: number): TokenDecision {
  const policy: string[] = [];
  const state: string[] = [];
  let allowed = true;
  let wait = 0;
  keys.forEach(({ window, quota }, i) => {
    const count = used[i] ?? 0;
    const name = `"tokens-${quota.tokens}"`;
    policy.push(`${name};q=${quota.limit};w=${Math.max(1, Math.round((window.end - window.start) / 1000))}`);
    state.push(`${name};r=${Math.max(0, quota.limit - count)};t=${seconds(window.end - now)}`);
    if (count >= quota.limit) {
      allowed = false;
      wait = Math.max(wait, window.end - now);
    }
  });
  const headers: Record<string, string> = { 'RateLimit-Policy': policy.join(', '), RateLimit: state.join(', ') };
  if (!allowed) headers['Retry-After'] = String(Math.max(1, seconds(wait)));
  return allowed ? { allowed, used: [...used], headers } : { allowed, reason: 'tokenQuota', used: [...used], headers };
}

/** The store could not answer: the product's failure mode decides, as for request quotas. */
export function tokenStoreDown(request: TokenCheck): TokenDecision {
  if (request.failureMode === 'open') return { allowed: true, reason: 'storeUnavailable', headers: {} };
  return { allowed: false, reason: 'storeUnavailable', headers: { 'Retry-After': '1' } };
}
