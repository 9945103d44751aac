import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { FIELD_MANAGER, GROUP, PLURALS, VERSION } from '../kube/kinds.ts';
import { objectKey } from '../resources/object-key.ts';
import { mergeConditions, type StoredCondition } from './merge-conditions.ts';

export interface WriteReport {
  written: number;
  unchanged: number;
  gone: number;
  failed: Array<{ object: string; error: string }>;
}

/** The status to store: the compiler's, with transition times carried over from what is stored. */
export function desiredStatus(computed: ObjectStatus, stored: Record<string, unknown> | undefined, now: Date): Record<string, unknown> {
  const { conditions, ...rest } = computed.status;
  return { ...rest, conditions: mergeConditions(stored?.conditions as StoredCondition[] | undefined, conditions, now) };
}

/** A merge patch that makes `stored` equal `desired`: fields that went away are set to null. */
export function statusPatch(desired: Record<string, unknown>, stored: Record<string, unknown> | undefined): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...desired };
  for (const k of Object.keys(stored ?? {})) if (!(k in desired)) patch[k] = null;
  return patch;
}

/**
 * Writes statuses through the status subresource: compare before write (no
 * request when nothing changed, so a resync costs nothing), merge patch,
 * NotFound ignored (the object was deleted meanwhile), bounded concurrency.
 */
export class StatusWriter {
  private readonly api: CustomObjectsApi;
  private readonly concurrency: number;

  constructor(kc: KubeConfig, concurrency = 8) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.concurrency = concurrency;
  }

  async write(statuses: ObjectStatus[], storedOf: (s: ObjectStatus) => Record<string, unknown> | undefined, now: Date): Promise<WriteReport> {
    const report: WriteReport = { written: 0, unchanged: 0, gone: 0, failed: [] };
    const queue = statuses.flatMap((s) => {
      const stored = storedOf(s);
      const desired = desiredStatus(s, stored, now);
      if (stored && isDeepStrictEqual(desired, stored)) {
        report.unchanged++;
        return [];
      }
      return [{ s, body: { status: statusPatch(desired, stored) } }];
    });
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const { s, body } = item;
        try {
          await this.api.patchNamespacedCustomObjectStatus(
            // A named field manager: managedFields then say the operator owns status, next to Argo CD's spec.
            { group: GROUP, version: VERSION, namespace: s.namespace, plural: PLURALS[s.kind], name: s.name, body, fieldManager: FIELD_MANAGER },
            options,
          );
          report.written++;
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (code === 404) report.gone++;
          else report.failed.push({ object: objectKey(s), error: String((e as Error).message ?? e).slice(0, 300) });
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    return report;
  }
}
