import { createHash, type Hash } from 'node:crypto';
import type { Snapshot } from './types.ts';

export type SnapshotBody = Omit<Snapshot, 'version'>;

// Elements per JSON.stringify call: large enough that the call overhead vanishes, small enough that no chunk's text (about 550 bytes an application) lands in V8's large-object space (128 KiB): 15 % faster than 256 at scale 1.
const CHUNK = 128;

/**
 * The content hash that names a snapshot: SHA-256 of the JSON of every field
 * but `version`, in the document's own key order. The compiler is
 * deterministic down to key order, so equal content gives an equal version;
 * sorting keys instead cost more than the rest of a 160,000-object compile.
 *
 * The JSON is fed to the hash in pieces rather than built whole: the bytes are
 * exactly those of `JSON.stringify(body)` (gateways compare versions), but no
 * 50 MB string and its UTF-8 copy are ever held at once.
 */
export function snapshotVersion(snapshot: SnapshotBody | Snapshot): string {
  const hash = createHash('sha256');
  const record = snapshot as unknown as Record<string, unknown>;
  let pending = '{';
  let separator = '';
  for (const key of Object.keys(record)) {
    if (key === 'version') continue;
    const value = record[key];
    if (Array.isArray(value)) {
      pending += `${separator}${JSON.stringify(key)}:[`;
      pending = hashArrayItems(hash, value, pending);
      pending += ']';
    } else {
      const json = JSON.stringify(value);
      // JSON.stringify leaves out a property whose value has no JSON (undefined, a function).
      if (json === undefined) continue;
      pending += `${separator}${JSON.stringify(key)}:${json}`;
    }
    separator = ',';
  }
  hash.update(pending + '}');
  return 'sha256:' + hash.digest('hex');
}

/** Hashes `prefix` and the comma-separated JSON of the items; returns what is still to be hashed. */
function hashArrayItems(hash: Hash, items: unknown[], prefix: string): string {
  let pending = prefix;
  for (let start = 0; start < items.length; start += CHUNK) {
    // A chunk's JSON is `[a,b,...]`: dropping its brackets leaves exactly the items' text as the whole array's JSON has it.
    const json = JSON.stringify(items.slice(start, start + CHUNK));
    // Separate updates, not one concatenation: hashing a concatenated string would copy it whole first.
    hash.update(start ? ',' : pending);
    hash.update(json.slice(1, -1));
    pending = '';
  }
  return pending;
}

/** Fills in `version` from the content (placed second, for people reading the JSON). */
export function sealSnapshot(body: SnapshotBody): Snapshot {
  const { schema, ...rest } = body;
  const ordered = { schema, ...rest };
  return { schema, version: snapshotVersion(ordered), ...rest };
}
