import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('the two image builds', () => {
  it('copy the same files: the Dockerfile (published, FROM node:24) and scripts/image/build.sh (make image, no registry)', () => {
    // The stage named app holds the shipped files (the others build tools and copy from it).
    const app = /^FROM \S+ AS app$([\s\S]*?)^FROM /m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    expect(app, 'the Dockerfile has its app stage').not.toBeNull();
    const docker = [...app![1]!.matchAll(/^COPY (?!--from)(.+?) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    const script = /^files=\(([^)]*)\)/m.exec(readFileSync(join(root, 'scripts', 'image', 'build.sh'), 'utf8'));
    expect(script, 'build.sh has its files=(...) list').not.toBeNull();
    expect([...new Set(docker)].sort()).toEqual(script![1]!.split(' ').sort());
  });

  it('share the entrypoint: node on cli/main.ts, no shell', () => {
    const docker = /^ENTRYPOINT (.+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))![1]!;
    const script = /--entrypoint '([^']+)'/.exec(readFileSync(join(root, 'scripts', 'image', 'build.sh'), 'utf8'))![1]!;
    expect(JSON.parse(docker)).toEqual(JSON.parse(script));
  });
});
