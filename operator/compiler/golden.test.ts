// Golden tests: each folder under testdata/ holds input YAML (and optionally
// credentials.yaml, a list of CredentialView, and options.yaml with `now`);
// the expected snapshot and statuses sit beside it. After an intended change,
// regenerate with `make golden` (UPDATE_GOLDEN=1) and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateSnapshot } from '../../gateway/snapshot/validate.ts';
import { loadPaths } from '../loader/load.ts';
import type { CredentialView } from '../resources/types.ts';
import { OpenApiStage } from '../openapi/openapi-stage.ts';
import { compile } from './compile.ts';

const root = new URL('./testdata/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(root)
  .filter((d) => existsSync(join(root, d, 'input.yaml')))
  .sort();

// Each API's OpenAPI document (a file beside input.yaml, or inline) is read as `tollgate validate` reads it.
const documents = new OpenApiStage({ files: true });

async function compileCase(dir: string) {
  const loaded = loadPaths([join(dir, 'input.yaml')]);
  loaded.resources.openApi = await documents.documents(loaded.resources.apis);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`input.yaml must load cleanly: ${JSON.stringify(errors)}`);
  const credentialsFile = join(dir, 'credentials.yaml');
  if (existsSync(credentialsFile)) loaded.resources.credentials = parse(readFileSync(credentialsFile, 'utf8')) as CredentialView[];
  const optionsFile = join(dir, 'options.yaml');
  const options = existsSync(optionsFile) ? (parse(readFileSync(optionsFile, 'utf8')) as { now?: string }) : {};
  return compile(loaded.resources, { now: new Date(options.now ?? '2026-01-01T00:00:00Z') });
}

describe('compiler golden files', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('%s', async (name) => {
    const dir = join(root, name);
    const result = await compileCase(dir);
    const check = validateSnapshot(result.snapshot);
    expect(check.ok ? [] : check.errors).toEqual([]);

    const snapshotText = JSON.stringify(result.snapshot, null, 2) + '\n';
    // Statuses share their clean conditions (one frozen object per generation): written out in full, not as YAML aliases.
    const statusesText = stringify(result.statuses, { lineWidth: 0, aliasDuplicateObjects: false });
    const snapshotFile = join(dir, 'snapshot.golden.json');
    const statusesFile = join(dir, 'statuses.golden.yaml');
    if (update || !existsSync(snapshotFile)) {
      if (!update) throw new Error(`${name}: no golden files yet; run make golden and review them`);
      writeFileSync(snapshotFile, snapshotText);
      writeFileSync(statusesFile, statusesText);
    }
    expect(snapshotText).toBe(readFileSync(snapshotFile, 'utf8'));
    expect(statusesText).toBe(readFileSync(statusesFile, 'utf8'));
    // The developer portal's docs bundles, for the cases that have an OpenAPI document.
    const docsFile = join(dir, 'docs.golden.json');
    if (result.docs.length || existsSync(docsFile)) {
      const docsText = JSON.stringify(result.docs, null, 2) + '\n';
      if (update) writeFileSync(docsFile, docsText);
      expect(docsText).toBe(readFileSync(docsFile, 'utf8'));
    }
  });

  it('is deterministic: input order does not change the output', async () => {
    // A seeded shuffle (mulberry32), several orders per case, plus the reverse.
    let seed = 42;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const shuffle = <T>(list: T[]): void => {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
    };
    for (const name of cases) {
      const dir = join(root, name);
      const a = await compileCase(dir);
      for (let round = 0; round < 6; round++) {
        const loaded = loadPaths([join(dir, 'input.yaml')]);
        const credentialsFile = join(dir, 'credentials.yaml');
        if (existsSync(credentialsFile)) loaded.resources.credentials = parse(readFileSync(credentialsFile, 'utf8')) as CredentialView[];
        loaded.resources.openApi = await documents.documents(loaded.resources.apis);
        for (const list of Object.values(loaded.resources).filter((v): v is unknown[] => Array.isArray(v))) {
          if (round === 0) list.reverse();
          else shuffle(list);
        }
        const optionsFile = join(dir, 'options.yaml');
        const now = existsSync(optionsFile) ? (parse(readFileSync(optionsFile, 'utf8')) as { now?: string }).now : undefined;
        const b = compile(loaded.resources, { now: new Date(now ?? '2026-01-01T00:00:00Z') });
        expect(b.snapshot.version, name).toBe(a.snapshot.version);
        expect(b.statuses, name).toEqual(a.statuses);
      }
    }
  });
});
