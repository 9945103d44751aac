import type { Cluster, Redis } from 'ioredis';
import { parseTimeZone, type TimeZone } from './time-zone.ts';
import {
  tokenDecision,
  tokenKeys,
  tokenStoreDown,
  tokensOf,
  type TokenCheck,
  type TokenCounts,
  type TokenDecision,
  type TokenLimitStore,
} from './token-limits.ts';

/** Kept after a window ends, as the request quotas' counters are, for a gateway whose clock runs behind. */
const GRACE_MS = 60_000;

/** Adds each key's tokens and sets its expiry once, atomically: KEYS the counters, ARGV the amounts then the TTLs in ms. */
const RECORD_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local v = redis.call('INCRBY', KEYS[i], ARGV[i])
  if v == tonumber(ARGV[i]) then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
end
return n
`;

interface RecordCommand {
  tollgateTokens(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number>;
}

export interface RedisTokenStoreOptions {
  timeZone?: string | undefined;
  keyPrefix?: string | undefined;
  /** How long Redis may take to answer a check before the product's failure mode applies; default 100 ms. */
  commandTimeoutMs?: number | undefined;
}

/**
 * Token quotas shared by every replica, on the request quotas' Redis connection (same
 * prefix, same `{application|product}` hash tag, so one product's keys share a slot).
 * A check is one MGET; a record is one script that adds and sets the expiry.
 */
export class RedisTokenStore implements TokenLimitStore {
  readonly #client: (Redis | Cluster) & RecordCommand;
  readonly #zone: TimeZone;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(client: Redis | Cluster, options: RedisTokenStoreOptions = {}) {
    client.defineCommand('tollgateTokens', { lua: RECORD_SCRIPT });
    this.#client = client as (Redis | Cluster) & RecordCommand;
    this.#zone = parseTimeZone(options.timeZone);
    this.#prefix = options.keyPrefix ?? 'tollgate:limits:';
    this.#timeoutMs = options.commandTimeoutMs ?? 100;
  }

  async check(request: TokenCheck, now: number): Promise<TokenDecision> {
    const keys = tokenKeys(this.#prefix, request, now, this.#zone);
    if (keys.length === 0) return { allowed: true, headers: {} };
    try {
      const values = await deadline(this.#client.mget(keys.map((k) => k.key)), this.#timeoutMs);
      return tokenDecision(
        keys,
        values.map((v) => Number(v ?? 0)),
        now,
      );
    } catch {
      return tokenStoreDown(request);
    }
  }

  async record(request: TokenCheck, used: TokenCounts, now: number): Promise<void> {
    const keys = tokenKeys(this.#prefix, request, now, this.#zone).filter(({ quota }) => tokensOf(used, quota.tokens) > 0);
    if (keys.length === 0) return;
    const args = [
      ...keys.map((k) => k.key),
      ...keys.map((k) => String(tokensOf(used, k.quota.tokens))),
      ...keys.map((k) => String(Math.ceil(k.window.end - now) + GRACE_MS)),
    ];
    // Tokens used are owed whatever Redis does: a slow answer is waited for, as long as a response took.
    await this.#client.tollgateTokens(keys.length, ...args);
  }

  /** The connection belongs to the request-quota store, which closes it. */
  async close(): Promise<void> {}
}

function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`token store did not answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
