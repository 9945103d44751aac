import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { validateSnapshot } from '../snapshot/validate.ts';
import { buildRuntime, type RuntimeCaches, type RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { SnapshotPersister } from './snapshot-persistence.ts';
import type { ServingState } from './serving-state.ts';

export type ApplyResult = { ok: true; version: string; changed: boolean } | { ok: false; errors: string[] };

export interface SnapshotApplier {
  state: ServingState;
  caches: RuntimeCaches;
  metrics: GatewayMetrics;
  logger: Logger;
  environment: string | undefined;
  persister: SnapshotPersister | undefined;
  now: () => number;
}

/**
 * Validates, builds, then swaps in atomically; a refused snapshot leaves the current one serving.
 * `json`: the JSON `candidate` was parsed from, kept as is in the state directory.
 */
export function applySnapshot(applier: SnapshotApplier, candidate: unknown, source: string, json?: string | Uint8Array): ApplyResult {
  const { state, caches, metrics, logger } = applier;
  const checked = validateSnapshot(candidate);
  if (!checked.ok) {
    metrics.snapshotOffered('refused');
    logger.error({ source, errors: checked.errors.slice(0, 20) }, 'snapshot refused; the last good one keeps serving');
    return { ok: false, errors: checked.errors };
  }
  const snapshot = checked.snapshot;
  if (state.runtime?.version === snapshot.version) {
    metrics.snapshotOffered('unchanged');
    return { ok: true, version: snapshot.version, changed: false };
  }
  let next: RuntimeSnapshot;
  try {
    next = buildRuntime(snapshot, caches, applier.environment);
  } catch (err) {
    metrics.snapshotOffered('refused');
    const message = err instanceof Error ? err.message : String(err);
    logger.error({ source, err }, 'snapshot refused: it could not be built');
    return { ok: false, errors: [message] };
  }
  state.runtime = next;
  caches.clients.retain(caches.pools.values());
  metrics.snapshotApplied(snapshot.version, applier.now());
  metrics.retain(new Set(snapshot.apis.map((api) => api.id)), new Set(snapshot.products.map((product) => product.id)));
  logger.info({ source, version: snapshot.version, apis: snapshot.apis.length }, 'snapshot applied');
  applier.persister?.save(snapshot, json);
  return { ok: true, version: snapshot.version, changed: true };
}
