import { describe, expect, it } from 'vitest';
import { RequestIds } from './request-id.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RequestIds', () => {
  it('hands out ids shaped like v4 UUIDs, none twice', () => {
    const ids = new RequestIds();
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = ids.next();
      expect(id).toMatch(UUID_V4);
      seen.add(id);
    }
    expect(seen.size).toBe(10_000);
  });

  it('gives each process (each generator) its own random prefix', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => new RequestIds().next().slice(0, 24)));
    expect(prefixes.size).toBe(50);
  });
});
