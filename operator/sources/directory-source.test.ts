import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectorySource, type SourceUpdate } from './directory-source.ts';

const api = (context: string, extra = '') => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: hello
spec:
  context: ${context}
  version: v1
  upstream:
    urls: [http://127.0.0.1:9]
${extra}`;

const dirs: string[] = [];
const sources: DirectorySource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(files: Record<string, string>): { dir: string; source: DirectorySource } {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-source-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const source = new DirectorySource([dir]);
  sources.push(source);
  return { dir, source };
}

function nextUpdate(source: DirectorySource): { updates: SourceUpdate[]; next: () => Promise<SourceUpdate> } {
  const updates: SourceUpdate[] = [];
  const waiters: Array<(u: SourceUpdate) => void> = [];
  void source.watch((u) => {
    const w = waiters.shift();
    if (w) w(u);
    else updates.push(u);
  });
  return {
    updates,
    next: () => (updates.length ? Promise.resolve(updates.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

describe('DirectorySource', () => {
  it('loads every YAML file and ignores other files', () => {
    const { source } = setup({ 'a.yaml': api('/hello'), 'notes.txt': 'not yaml', 'b.yml': api('/other').replace('name: hello', 'name: other') });
    const u = source.load();
    expect(u.resources.apis.map((a) => a.spec.context).sort()).toEqual(['/hello', '/other']);
  });

  it('keeps the last good version of an object whose edit is invalid, and reports file and line', async () => {
    const { dir, source } = setup({ 'a.yaml': api('/hello') });
    source.load();
    const watch = nextUpdate(source);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, 'a.yaml'), api('no-slash'));
    const u = await watch.next();
    expect(u.resources.apis.map((a) => a.spec.context)).toEqual(['/hello']);
    expect(u.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', field: 'spec.context', line: 6 }));
    expect(u.diagnostics).toContainEqual(expect.objectContaining({ code: 'KeptLastGood' }));
  });

  it('keeps a whole file whose YAML no longer parses, and picks up a fix', async () => {
    const { dir, source } = setup({ 'a.yaml': api('/hello') });
    source.load();
    const watch = nextUpdate(source);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, 'a.yaml'), api('/hello') + '  : : broken\n');
    const broken = await watch.next();
    expect(broken.diagnostics.some((d) => d.code === 'YamlSyntax')).toBe(true);
    expect(broken.resources.apis).toHaveLength(1);
    writeFileSync(join(dir, 'a.yaml'), api('/fixed'));
    const fixed = await watch.next();
    expect(fixed.resources.apis.map((a) => a.spec.context)).toEqual(['/fixed']);
    expect(fixed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('sees new and deleted files', async () => {
    const { dir, source } = setup({ 'a.yaml': api('/hello') });
    source.load();
    const watch = nextUpdate(source);
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(dir, 'b.yaml'), api('/b').replace('name: hello', 'name: b'));
    expect((await watch.next()).resources.apis).toHaveLength(2);
    rmSync(join(dir, 'a.yaml'));
    expect((await watch.next()).resources.apis.map((a) => a.metadata.name)).toEqual(['b']);
  });
});
