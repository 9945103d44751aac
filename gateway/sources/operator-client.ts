import type { Logger } from 'pino';
import type { Gateway } from '../server/create-gateway.ts';
import type { SnapshotSource } from './file-source.ts';
import { tokenValue, type Token } from './token.ts';

export interface OperatorClientOptions {
  /** Base URL of the publisher, e.g. `http://tollgate-operator.tollgate-system:8081`. */
  url: string;
  token?: Token;
  /** Names this gateway in the operator's propagation status (the pod name in a cluster). */
  replica: string;
  /** How long the publisher may hold a poll open; default 30 s. */
  waitSeconds?: number;
  logger: Logger;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Long-polls the publisher (gateway/snapshot/PROTOCOL.md): each poll says which
 * version this replica serves and which it refused, and waits for anything else.
 * Every apply, good or refused, is also reported at once so that propagation shows
 * without waiting for the next poll.
 */
export function startOperatorClient(gateway: Pick<Gateway, 'applySnapshot' | 'currentVersion'>, options: OperatorClientOptions): SnapshotSource {
  const base = options.url.replace(/\/+$/, '');
  const wait = options.waitSeconds ?? 30;
  // Read per request: a rotated token (startTokenFile) is used from the next call on.
  const auth = (): Record<string, string> => {
    const token = tokenValue(options.token);
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const stop = new AbortController();
  let rejected: string | undefined;
  let backoff = MIN_BACKOFF_MS;

  const report = async (body: Record<string, unknown>): Promise<void> => {
    try {
      const res = await fetch(`${base}/v1/reports`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ replica: options.replica, ...body }),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(5_000)]),
      });
      await res.body?.cancel();
    } catch (err) {
      if (!stop.signal.aborted) options.logger.warn({ err }, 'cannot report the applied snapshot to the operator');
    }
  };

  const poll = async (): Promise<void> => {
    const params = new URLSearchParams({ replica: options.replica, wait: String(wait) });
    const applied = gateway.currentVersion();
    if (applied) params.set('applied', applied);
    if (rejected) params.set('rejected', rejected);
    const res = await fetch(`${base}/v1/snapshot?${params}`, {
      headers: auth(),
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout((wait + 10) * 1000)]),
    });
    if (res.status === 304) {
      await res.body?.cancel();
      return;
    }
    if (res.status !== 200) {
      const text = await res.text().catch(() => '');
      throw new Error(`the operator answered ${res.status}: ${text.slice(0, 200)}`);
    }
    // As bytes first: the state directory keeps them as received, rather than the snapshot serialised and encoded again.
    const body = Buffer.from(await res.arrayBuffer());
    const candidate: unknown = JSON.parse(body.toString('utf8'));
    const result = gateway.applySnapshot(candidate, base, body);
    if (result.ok) {
      rejected = undefined;
      await report({ applied: result.version });
    } else {
      rejected = res.headers.get('etag')?.replaceAll('"', '') ?? (candidate as { version?: string })?.version ?? 'unknown';
      await report({ applied: gateway.currentVersion() ?? null, rejected, errors: result.errors.slice(0, 50) });
    }
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await poll();
        backoff = MIN_BACKOFF_MS;
      } catch (err) {
        if (stop.signal.aborted) break;
        options.logger.warn({ err, retryInMs: backoff }, 'cannot reach the operator; serving the current snapshot');
        await sleep(backoff * (0.5 + Math.random() / 2), stop.signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  })();

  return {
    async close() {
      stop.abort();
      await loop;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
