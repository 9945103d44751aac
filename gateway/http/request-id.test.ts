import { describe, expect, it } from 'vitest';
import { requestIds } from './request-id.ts';

describe('request ids', () => {
  it('are 36 characters shaped like a UUID: a random prefix per source, then a counter', () => {
    const next = requestIds(() => '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b');
    expect([next(), next(), next()]).toEqual([
      '0f1e2d3c-4b5a-4978-8a6b-000000000000',
      '0f1e2d3c-4b5a-4978-8a6b-000000000001',
      '0f1e2d3c-4b5a-4978-8a6b-000000000002',
    ]);
    for (let i = 0; i < 20; i++) next();
    expect(next()).toBe('0f1e2d3c-4b5a-4978-8a6b-000000000017');
  });

  it('never repeat within a source, and two sources (processes) share no id', () => {
    const a = requestIds();
    const b = requestIds();
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      for (const id of [a(), b()]) {
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        seen.add(id);
      }
    }
    expect(seen.size).toBe(20_000);
  });
});
