import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateResources, type EstateCounts } from '../compile/generate.ts';

/**
 * Writes a synthetic estate as the YAML a team would keep in git: files of at
 * most `perFile` documents per kind, without the server-set metadata (dev mode
 * dates objects itself).
 */
export function writeEstate(dir: string, counts: EstateCounts, perFile = 100): { files: number; objects: number } {
  const r = generateResources(1, counts);
  mkdirSync(dir, { recursive: true });
  let files = 0;
  let objects = 0;
  for (const [kind, list] of Object.entries({ api: r.apis, product: r.products, application: r.applications, subscription: r.subscriptions })) {
    for (let i = 0; i < list.length; i += perFile) {
      const docs = list
        .slice(i, i + perFile)
        .map((o) => stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace }, spec: o.spec }));
      writeFileSync(join(dir, `${kind}-${String(i / perFile).padStart(4, '0')}.yaml`), docs.join('---\n'));
      files++;
      objects += docs.length;
    }
  }
  return { files, objects };
}
