// Polling with a deadline, for what an end-to-end test cannot be told about.

/** Calls `fn` until it returns something other than undefined; the last error is in the timeout message. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 25): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return { value, ms: performance.now() - start };
    } catch (e) {
      lastError = e;
    }
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Until `check` holds: for a condition rather than a value. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  await until(what, async () => ((await check()) ? true : undefined), timeoutMs, 10);
}

/** `until`'s value alone. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  return (await until(what, fn, timeoutMs)).value;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** p50, p95 and max of a sample, in the sample's unit. */
export function percentiles(sample: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...sample].sort((a, b) => a - b);
  // Nearest rank: with 20 tries p95 is the 19th value, not an interpolation.
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50), p95: at(95), max: sorted[sorted.length - 1]! };
}
