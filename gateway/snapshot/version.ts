import { createHash } from 'node:crypto';
import { jsonPieces } from './snapshot-json.ts';
import type { Snapshot } from './types.ts';

export type SnapshotBody = Omit<Snapshot, 'version'>;

/**
 * The content hash that names a snapshot: SHA-256 of the JSON of every field
 * but `version`, in the document's own key order. The compiler is
 * deterministic down to key order, so equal content gives an equal version;
 * sorting keys instead cost more than the rest of a 160,000-object compile.
 *
 * The JSON is fed to the hash in pieces rather than built whole: the bytes are
 * exactly those of `JSON.stringify(body)` (gateways compare versions), but no
 * 50 MB string and its UTF-8 copy are ever held at once. Separate updates, not
 * one concatenation: hashing a concatenated string would copy it whole first.
 */
export function snapshotVersion(snapshot: SnapshotBody | Snapshot): string {
  const hash = createHash('sha256');
  jsonPieces(snapshot, (piece) => hash.update(piece), 'version');
  return 'sha256:' + hash.digest('hex');
}

/** Fills in `version` from the content (placed second, for people reading the JSON). */
export function sealSnapshot(body: SnapshotBody): Snapshot {
  const { schema, ...rest } = body;
  const ordered = { schema, ...rest };
  return { schema, version: snapshotVersion(ordered), ...rest };
}
