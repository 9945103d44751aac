import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_VERSION, emptyResources, type ApiResource, type Resources } from '../operator/resources/types.ts';
import { FirstSeenTimes } from './first-seen.ts';

const root = mkdtempSync(join(tmpdir(), 'tollgate-first-seen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const stateDir = () => join(root, String(n++));

function estate(...names: string[]): Resources {
  const r = emptyResources();
  for (const name of names) {
    r.apis.push({
      apiVersion: API_VERSION,
      kind: 'API',
      metadata: { name, namespace: 'shop', creationTimestamp: '2000-01-01T00:00:00Z' },
      spec: {},
    } as ApiResource);
  }
  return r;
}
const times = (r: Resources) => Object.fromEntries(r.apis.map((a) => [a.metadata.name, a.metadata.creationTimestamp]));

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:05:00.000Z';
const T2 = '2026-03-01T11:00:00.000Z';

describe('FirstSeenTimes', () => {
  it('dates what is there at the first start with the start time, and what comes later with its own, across restarts', () => {
    const dir = stateDir();
    let now = T0;
    const seen = new FirstSeenTimes(dir, { now: () => new Date(now) });
    const first = estate('orders', 'billing');
    seen.stamp(first);
    // What the YAML said is ignored, as the API server ignores a client's creationTimestamp.
    expect(times(first)).toEqual({ orders: T0, billing: T0 });

    now = T1;
    const second = estate('orders', 'billing', 'aaa-orders');
    seen.stamp(second);
    expect(times(second)).toEqual({ orders: T0, billing: T0, 'aaa-orders': T1 });

    now = T2;
    const afterRestart = estate('aaa-orders', 'orders');
    new FirstSeenTimes(dir, { now: () => new Date(now) }).stamp(afterRestart);
    expect(times(afterRestart)).toEqual({ orders: T0, 'aaa-orders': T1 });
  });

  it('keeps the time of an object that is removed and added again', () => {
    const dir = stateDir();
    let now = T0;
    const seen = new FirstSeenTimes(dir, { now: () => new Date(now) });
    seen.stamp(estate('orders'));
    now = T1;
    seen.stamp(estate());
    now = T2;
    const back = estate('orders');
    seen.stamp(back);
    expect(times(back)).toEqual({ orders: T0 });
  });

  it('writes only when it records something new', () => {
    const dir = stateDir();
    const seen = new FirstSeenTimes(dir, { now: () => new Date(T0) });
    seen.stamp(estate('orders'));
    const file = join(dir, 'first-seen.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'API/shop/orders': T0 });
    writeFileSync(file, '{"API/shop/orders": "2026-01-01T00:00:00.000Z"}');
    seen.stamp(estate('orders'));
    expect(readFileSync(file, 'utf8')).toBe('{"API/shop/orders": "2026-01-01T00:00:00.000Z"}');
  });

  it.each([
    { name: 'not JSON', content: '{"API/shop/orders": ', warning: /not readable JSON/, orders: T1 },
    { name: 'not an object', content: '["API/shop/orders"]', warning: /not a JSON object/, orders: T1 },
    {
      name: 'an entry that is not a time',
      content: `{"API/shop/orders": "${T0}", "API/shop/x": 42, "API/shop/y": "soon"}`,
      warning: /2 entries are not a time/,
      orders: T0,
    },
    { name: 'a good file', content: `{"API/shop/orders": "${T0}"}`, warning: undefined, orders: T0 },
  ])('starts from $name with a warning, never an exception', ({ content, warning, orders }) => {
    const dir = stateDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'first-seen.json'), content);
    const warnings: string[] = [];
    const r = estate('orders');
    new FirstSeenTimes(dir, { now: () => new Date(T1), warn: (m) => warnings.push(m) }).stamp(r);
    expect(times(r)).toEqual({ orders });
    if (warning) expect(warnings).toEqual([expect.stringMatching(warning)]);
    else expect(warnings).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'first-seen.json'), 'utf8'))['API/shop/orders']).toBe(orders);
  });

  it('keeps serving with the times in memory when the file cannot be written', () => {
    const dir = stateDir();
    mkdirSync(join(dir, `first-seen.json.${process.pid}.tmp`), { recursive: true });
    const warnings: string[] = [];
    const seen = new FirstSeenTimes(dir, { now: () => new Date(T0), warn: (m) => warnings.push(m) });
    const r = estate('orders');
    expect(() => seen.stamp(r)).not.toThrow();
    expect(times(r)).toEqual({ orders: T0 });
    expect(warnings).toEqual([expect.stringMatching(/not saved/)]);
  });
});
