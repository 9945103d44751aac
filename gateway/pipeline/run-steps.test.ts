import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error.ts';
import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import { RequestContext, type PipelineServices } from './request-context.ts';
import { runSteps, type Step } from './run-steps.ts';

function context(): RequestContext {
  return new RequestContext({} as IncomingMessage, undefined, undefined, undefined, {} as RuntimeSnapshot, {} as PipelineServices, {
    id: 'r',
    startedAt: 0,
    method: 'GET',
  });
}

/** A step that records its name, and optionally answers, waits or refuses. */
function step(seen: string[], name: string, how: 'sync' | 'async' | 'answer' | 'refuse' | 'reject' = 'sync'): Step {
  return (ctx) => {
    seen.push(name);
    if (how === 'answer') ctx.answered = true;
    if (how === 'refuse') throw new GatewayError('api-retired', undefined, { headers: { vary: 'own' } });
    if (how === 'async') return Promise.resolve();
    if (how === 'reject') return Promise.reject(new GatewayError('credentials-invalid'));
  };
}

describe('runSteps', () => {
  it.each([
    { name: 'all synchronous', kinds: ['sync', 'sync', 'sync'], promise: false, ran: ['0', '1', '2'] },
    { name: 'an asynchronous step in the middle', kinds: ['sync', 'async', 'sync'], promise: true, ran: ['0', '1', '2'] },
    { name: 'two asynchronous steps', kinds: ['async', 'sync', 'async', 'sync'], promise: true, ran: ['0', '1', '2', '3'] },
    { name: 'a step that answers stops the rest', kinds: ['sync', 'answer', 'sync'], promise: false, ran: ['0', '1'] },
    { name: 'an answer after an asynchronous step', kinds: ['async', 'answer', 'sync'], promise: true, ran: ['0', '1'] },
  ] as const)('$name: runs in order, and costs a promise only when a step returns one', async ({ kinds, promise, ran }) => {
    const seen: string[] = [];
    const result = runSteps(
      kinds.map((how, i) => step(seen, String(i), how)),
      context(),
    );
    expect(result instanceof Promise).toBe(promise);
    if (promise) expect(seen.length).toBeLessThan(ran.length);
    await result;
    expect(seen).toEqual(ran);
  });

  it.each([
    { name: 'thrown', how: 'refuse', code: 'api-retired', headers: { vary: 'own', deprecation: '@1' } },
    { name: 'rejected', how: 'reject', code: 'credentials-invalid', headers: { vary: 'Origin', deprecation: '@1' } },
  ] as const)('a $name refusal gets the answer headers it has not set itself, and stops the rest', async ({ how, code, headers }) => {
    const seen: string[] = [];
    const ctx = context();
    const setHeaders: Step = (c) => {
      c.responseHeaders = { vary: 'Origin', deprecation: '@1' };
    };
    const caught = await (async () => runSteps([setHeaders, step(seen, 'refuser', how), step(seen, 'after')], ctx))().catch((err: unknown) => err);
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).code).toBe(code);
    expect((caught as GatewayError).headers).toEqual(headers);
    expect(seen).toEqual(['refuser']);
  });
});
