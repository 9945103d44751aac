import type { V1Secret } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { objectKey, objectRef } from '../resources/object-key.ts';
import type { AnyResource, Resources } from '../resources/types.ts';

/**
 * A digest of everything a reconcile reads apart from statuses: each object's
 * identity and generation (spec changes bump it, status writes do not), the two
 * status fields the compiler does read (a subscription's phase and approvals),
 * each credential Secret's version, and whether this replica leads.
 */
export function inputsOf(r: Resources, secrets: V1Secret[], leading: boolean): string {
  const lines: string[] = [];
  for (const [k, o] of byKey(r)) {
    const extra =
      o.kind === 'Subscription'
        ? JSON.stringify([(o.status as { phase?: unknown } | undefined)?.phase, (o.status as { approvals?: unknown } | undefined)?.approvals])
        : '';
    lines.push(`${k}\t${o.metadata.uid}\t${o.metadata.generation}\t${extra}`);
  }
  for (const s of secrets)
    lines.push(`${objectKey({ kind: 'Secret', namespace: s.metadata!.namespace!, name: s.metadata!.name! })}\t${s.metadata?.resourceVersion}`);
  lines.sort();
  return createHash('sha256')
    .update(`${leading}\n${lines.join('\n')}`)
    .digest('hex');
}

export function byKey(r: Resources): Map<string, AnyResource> {
  const m = new Map<string, AnyResource>();
  for (const list of [r.apis, r.products, r.applications, r.subscriptions] as AnyResource[][]) {
    for (const o of list) m.set(objectRef(o), o);
  }
  return m;
}

export function uidsOf(r: Resources): Map<string, string> {
  const uids = new Map<string, string>();
  for (const [k, o] of byKey(r)) if (o.metadata.uid) uids.set(k, o.metadata.uid);
  return uids;
}
