import { describe, expect, it } from 'vitest';
import { limitKeys } from './keys.ts';

describe('limitKeys', () => {
  const window = { id: 'hour2:246000', start: 0, end: 1 };

  it('puts every key of an application and product under one hash tag', () => {
    const keys = limitKeys('p:', { application: 'ns/app', product: 'ns/gold', failureMode: 'open' }, window);
    expect(keys).toEqual({ quota: 'p:{ns/app|ns/gold}:q:product:hour2:246000', spike: 'p:{ns/app|ns/gold}:spike' });
    const op = limitKeys('p:', { application: 'ns/app', product: 'ns/gold', operation: 'GET /a', failureMode: 'open' }, window);
    expect(op.quota).toBe('p:{ns/app|ns/gold}:q:op:GET /a:hour2:246000');
    expect(op.spike).toBe(keys.spike);
  });

  it('escapes characters that would move the hash tag or join two ids', () => {
    const keys = limitKeys('', { application: 'a}b', product: 'c|d{', operation: 'x:y%', failureMode: 'open' }, window);
    expect(keys.quota).toBe('{a%7Db|c%7Cd%7B}:q:op:x%3Ay%25:hour2:246000');
    const a = limitKeys('', { application: 'a|b', product: 'c', failureMode: 'open' }, window);
    const b = limitKeys('', { application: 'a', product: 'b|c', failureMode: 'open' }, window);
    expect(a.quota).not.toBe(b.quota);
  });
});
