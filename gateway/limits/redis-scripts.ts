/**
 * One script, one round trip, for quota and spike arrest together: both are checked before
 * either is written, so a request refused by one consumes neither. The script runs
 * atomically on the Redis node, which is what makes counting exact across gateways.
 *
 * KEYS[1] quota counter, KEYS[2] spike-arrest TAT (same hash tag, so the same slot)
 * ARGV[1] caller's clock (epoch ms)
 * ARGV[2] "1" to time spike arrest with Redis TIME instead of ARGV[1] (read only when there is spike arrest)
 * ARGV[3] quota limit, or -1 when there is no quota
 * ARGV[4] quota key TTL in ms (window end - now + grace)
 * ARGV[5] GCRA emission interval in ms, or -1 when there is no spike arrest
 * ARGV[6] GCRA tolerance in ms
 *
 * Returns { allowed, quotaAllowed, spikeAllowed, used, spikeRemaining,
 *           retryAfterMs, resetMs, now } with the fractional numbers as strings
 * (`now` is ARGV[1] when Redis TIME was not read),
 * because Redis truncates Lua numbers to integers in replies.
 * Mirrors gcra.ts; keep them in step. The check itself is one Lua function, shared by
 * this script and the batched one below.
 */
const CHECK_FUNCTION = `
if redis.replicate_commands then redis.replicate_commands() end
local function check(quotaKey, spikeKey, argNow, argClock, argLimit, argTtl, argEmission, argTolerance)
  local now = tonumber(argNow)
  local limit = tonumber(argLimit)
  local emission = tonumber(argEmission)
  local tolerance = tonumber(argTolerance)
  -- Only spike arrest reads the clock; a quota-only check skips TIME.
  local clockRead = false
  if argClock == '1' and emission >= 0 then
    clockRead = true
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  end

  local spikeAllowed, spikeRemaining, retryAfter, reset, newTat = 1, 0, 0, 0, 0
  if emission >= 0 then
    local tat = tonumber(redis.call('GET', spikeKey) or '0')
    if tat < now then tat = now end
    local ahead = tat - now
    if ahead > tolerance + 1e-6 then
      spikeAllowed = 0
      retryAfter = ahead - tolerance
      reset = ahead
    else
      newTat = tat + emission
      spikeRemaining = math.floor((tolerance - ahead) / emission + 1e-9)
      if spikeRemaining < 0 then spikeRemaining = 0 end
      reset = newTat - now
    end
  end

  local quotaAllowed, used = 1, 0
  if limit >= 0 then
    used = tonumber(redis.call('GET', quotaKey) or '0')
    if used >= limit then quotaAllowed = 0 end
  end

  local allowed = 0
  if spikeAllowed == 1 and quotaAllowed == 1 then
    allowed = 1
    if limit >= 0 then
      used = redis.call('INCR', quotaKey)
      if used == 1 then redis.call('PEXPIRE', quotaKey, argTtl) end
    end
    if emission >= 0 then
      redis.call('SET', spikeKey, string.format('%.17g', newTat), 'PX', math.ceil(reset) + 1000)
    end
  end

  if emission < 0 then
    -- No spike arrest: nothing fractional to format.
    return { allowed, quotaAllowed, spikeAllowed, used, spikeRemaining, '0', '0', argNow }
  end
  return { allowed, quotaAllowed, spikeAllowed, used, spikeRemaining,
    string.format('%.17g', retryAfter), string.format('%.17g', reset), clockRead and string.format('%.17g', now) or argNow }
end
`;

export const LIMIT_SCRIPT = `${CHECK_FUNCTION}
return check(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`;

/**
 * Several checks in one call, one after the other exactly as separate calls of
 * LIMIT_SCRIPT would run (a script is atomic, so nothing can come between them
 * either). KEYS are the checks' key pairs in order, ARGV their six arguments each.
 * The reply is one string: each check's eight LIMIT_SCRIPT values joined by `,`, the
 * checks joined by `;` (see `parseBatchReply`). Decoding that costs the gateway a
 * fraction of decoding a nested array of eight items per check. In a cluster only
 * checks of one hash tag go together, so that every key is in one slot.
 */
export const LIMIT_BATCH_SCRIPT = `${CHECK_FUNCTION}
local out = {}
for i = 1, #KEYS / 2 do
  local a = (i - 1) * 6
  local r = check(KEYS[2 * i - 1], KEYS[2 * i], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6])
  out[i] = string.format('%d,%d,%d,%d,%d,%s,%s,%s', r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
end
return table.concat(out, ';')
`;

/** LIMIT_BATCH_SCRIPT's reply as the replies LIMIT_SCRIPT would have given, in order. */
export function parseBatchReply(reply: string): LimitScriptReply[] {
  const checks = reply.split(';');
  const out: LimitScriptReply[] = [];
  for (const check of checks) {
    const v = check.split(',');
    if (v.length !== 8) break;
    out.push([Number(v[0]), Number(v[1]), Number(v[2]), Number(v[3]), Number(v[4]), v[5]!, v[6]!, v[7]!]);
  }
  return out;
}

export const LIMIT_COMMAND = 'tollgateLimit';
export const LIMIT_BATCH_COMMAND = 'tollgateLimitBatch';

export type LimitScriptReply = [number, number, number, number, number, string, string, string];

/** The custom command `defineCommand` adds to a client (EVALSHA, falling back to EVAL). */
export interface LimitCommands {
  tollgateLimit(
    quotaKey: string,
    spikeKey: string,
    now: string,
    redisClock: string,
    limit: string,
    quotaTtlMs: string,
    emissionMs: string,
    toleranceMs: string,
  ): Promise<LimitScriptReply>;
  /** `numberOfKeys` (twice the checks), the checks' key pairs, then their six arguments each; see `parseBatchReply`. */
  tollgateLimitBatch(numberOfKeys: number, ...keysThenArgs: string[]): Promise<string>;
}
