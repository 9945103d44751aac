import { describe, expect, it } from 'vitest';
import { loadPaths } from '../loader/load.ts';
import { processApis } from './process-api.ts';

// The CRD's CEL rule refuses `*` with credentials at the API server; an object
// that never passed it (an older CRD, a hand-built resource) must still not compile.
describe('cors: the wildcard origin with credentials', () => {
  it('makes the API Invalid in the compiler too', () => {
    const loaded = loadPaths([new URL('./testdata/api-cors/input.yaml', import.meta.url).pathname]);
    const assets = loaded.resources.apis.find((a) => a.metadata.name === 'public-assets')!;
    assets.spec.cors!.allowCredentials = true;
    const { outcomes } = processApis([assets]);
    const outcome = outcomes.get('platform/public-assets')!;
    expect(outcome.api).toBeUndefined();
    expect(outcome.conditions.findings).toEqual([
      expect.objectContaining({
        reason: 'Invalid',
        field: 'spec.cors.allowOrigins',
        message: 'allowCredentials cannot be combined with the wildcard origin *',
      }),
    ]);
  });
});
