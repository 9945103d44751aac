import { GatewayError } from '../errors/gateway-error.ts';
import type { RequestContext } from './request-context.ts';

/** One stage of the request path: refuses by throwing a GatewayError, answers by setting `ctx.answered`. */
export type Step = (ctx: RequestContext) => void | Promise<void>;

/**
 * Runs the steps in order from `from`, synchronously for as long as they are
 * synchronous: only a step that returns a promise costs one, and the rest run after it.
 * A refusal gets the headers every answer carries (CORS, deprecation) that it has not set itself.
 */
export function runSteps(steps: readonly Step[], ctx: RequestContext, from = 0): void | Promise<void> {
  try {
    for (let i = from; i < steps.length && !ctx.answered; i++) {
      const pending = steps[i]!(ctx);
      if (pending !== undefined) return resumeAfter(pending, steps, ctx, i + 1);
    }
  } catch (err) {
    throw withAnswerHeaders(err, ctx);
  }
}

/** A `then`, not an async function: no suspended function to build and resume per pause (on Redis every request pauses at its limits). */
function resumeAfter(pending: Promise<void>, steps: readonly Step[], ctx: RequestContext, next: number): Promise<void> {
  return pending.then(
    () => runSteps(steps, ctx, next),
    (err: unknown) => {
      throw withAnswerHeaders(err, ctx);
    },
  );
}

function withAnswerHeaders(err: unknown, ctx: RequestContext): unknown {
  if (err instanceof GatewayError) for (const name in ctx.responseHeaders) err.headers[name] ??= ctx.responseHeaders[name]!;
  return err;
}
