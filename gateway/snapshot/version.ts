import { createHash } from 'node:crypto';
import type { Snapshot } from './types.ts';

export type SnapshotBody = Omit<Snapshot, 'version'>;

/**
 * The content hash that names a snapshot: SHA-256 of the JSON of every field
 * but `version`, in the document's own key order. The compiler is
 * deterministic down to key order, so equal content gives an equal version;
 * sorting keys instead cost more than the rest of a 160,000-object compile.
 */
export function snapshotVersion(snapshot: SnapshotBody | Snapshot): string {
  const { version: _ignored, ...body } = snapshot as Snapshot;
  return 'sha256:' + createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** Fills in `version` from the content (placed second, for people reading the JSON). */
export function sealSnapshot(body: SnapshotBody): Snapshot {
  const { schema, ...rest } = body;
  const ordered = { schema, ...rest };
  return { schema, version: snapshotVersion(ordered), ...rest };
}
