import { makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface SupervisedInformer<T extends KubernetesObject> {
  cache: ObjectCache<T>;
  /** True once the first list arrived and while the watch is up. */
  healthy(): boolean;
  /** When the watch went down, if it is down (for readiness and a metric). */
  downSince(): number | undefined;
  /** The API server refused the list or watch (403) and it has not come up since. */
  forbidden(): boolean;
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  logger: Logger;
  onChange: () => void;
  onHealth?: (name: string, healthy: boolean) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Said once, instead of a warning per retry, while the API server refuses with 403: what to do about it. */
  forbiddenHint?: string;
}

/**
 * An informer that does not stall. @kubernetes/client-node restarts a watch by
 * itself only on 410 Gone; any other error stops the informer. This restarts it
 * with exponential backoff (which relists, so nothing is missed), and says
 * whether it is up so that readiness and metrics can tell.
 */
export async function superviseInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  o: SuperviseOptions,
  labelSelector?: string,
): Promise<SupervisedInformer<T>> {
  const informer: Informer<T> & ObjectCache<T> = makeInformer(kc, path, list, labelSelector);
  let up = false;
  let down: number | undefined = Date.now();
  let stopped = false;
  let backoff = o.initialBackoffMs ?? 250;
  let timer: NodeJS.Timeout | undefined;

  const setHealth = (healthy: boolean) => {
    if (healthy === up) return;
    up = healthy;
    down = healthy ? undefined : Date.now();
    o.onHealth?.(o.name, healthy);
  };
  let errors = 0;
  let refused = false;
  let hinted = false;
  // start() lists, then opens the watch; it resolves after either, and errors go to the handler below.
  const start = async (): Promise<void> => {
    const before = errors;
    await informer.start().catch(() => undefined);
    if (errors === before && !stopped) {
      refused = false;
      hinted = false;
      setHealth(true);
      backoff = o.initialBackoffMs ?? 250;
    }
  };
  for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, () => o.onChange());
  informer.on('error', (err: unknown) => {
    errors++;
    refused = isForbidden(err);
    setHealth(false);
    if (stopped) return;
    const message = String((err as Error)?.message ?? err);
    if (refused && o.forbiddenHint) {
      if (!hinted) o.logger.warn({ informer: o.name }, o.forbiddenHint);
      hinted = true;
    } else o.logger.warn({ informer: o.name, err: message, retryInMs: backoff }, 'watch failed; restarting');
    clearTimeout(timer);
    timer = setTimeout(() => void start(), backoff);
    backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 10_000);
  });
  await start();
  return {
    cache: informer,
    healthy: () => up,
    forbidden: () => refused && !up,
    downSince: () => down,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}

function isForbidden(err: unknown): boolean {
  const e = err as { code?: number; statusCode?: number; message?: string };
  return e?.code === 403 || e?.statusCode === 403 || /\b403\b|forbidden/i.test(String(e?.message ?? err));
}
