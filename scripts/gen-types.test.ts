import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_TYPES_PATH, generateTypes } from './gen-types.ts';

describe('generated resource types', () => {
  it('match the CRD schemas (run `node scripts/gen-types.ts` after changing crds/)', () => {
    expect(readFileSync(GENERATED_TYPES_PATH, 'utf8')).toBe(generateTypes());
  });

  it('cover every kind with its spec and status', () => {
    const text = generateTypes();
    for (const kind of ['API', 'APIProduct', 'Application', 'Subscription']) {
      expect(text).toContain(`export type ${kind}Spec = {`);
      expect(text).toContain(`export type ${kind}Status = {`);
    }
  });
});
