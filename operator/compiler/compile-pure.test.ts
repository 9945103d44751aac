// bench/compile times a second compile of the same objects, as a running operator recompiles its informers' unchanged
// objects: that is only the same work if a compile leaves its inputs as it found them and keeps nothing for the next.
import { describe, expect, it } from 'vitest';
import { generateResources } from '../../bench/compile/generate.ts';
import { compile } from './compile.ts';

const options = { now: new Date('2026-01-01T00:00:00Z') };

describe('compile is pure', () => {
  it('leaves its inputs unchanged, and a second compile of the same objects gives the same result', () => {
    const resources = generateResources(0.01);
    const before = JSON.stringify(resources);
    const first = compile(resources, options);
    expect(JSON.stringify(resources)).toBe(before);
    const second = compile(resources, options);
    expect(second.snapshot.version).toBe(first.snapshot.version);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    // A fresh copy of the same estate compiles to the same result: nothing keyed by object identity is carried over.
    expect(JSON.stringify(compile(generateResources(0.01), options))).toBe(JSON.stringify(first));
  });
});
