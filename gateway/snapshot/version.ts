import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { Snapshot } from './types.ts';

export type SnapshotBody = Omit<Snapshot, 'version'>;

/** The content hash that names a snapshot: every field but `version` itself. */
export function snapshotVersion(snapshot: SnapshotBody | Snapshot): string {
  const { version: _ignored, ...body } = snapshot as Snapshot;
  return 'sha256:' + createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Fills in `version` from the content (placed second, for people reading the JSON). */
export function sealSnapshot(body: SnapshotBody): Snapshot {
  const { schema, ...rest } = body;
  return { schema, version: snapshotVersion(body), ...rest };
}
