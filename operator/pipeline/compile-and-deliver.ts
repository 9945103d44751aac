import { compile, type CompileOptions, type CompileResult } from '../compiler/compile.ts';
import type { Resources } from '../resources/types.ts';

/** Where a compiled snapshot goes: the publisher gateways poll, or the gateway in this process. */
export interface Delivery<Outcome> {
  deliver(result: CompileResult): Outcome;
}

/**
 * The middle of every reconcile, in the operator and in dev mode alike: resources
 * whose credentials are already resolved -> compile -> delivery. Synchronous, so
 * that dev mode's reconciles cannot interleave.
 */
export function compileAndDeliver<Outcome>(
  resources: Resources,
  options: CompileOptions,
  delivery: Delivery<Outcome>,
  timer?: () => () => void,
): { result: CompileResult; delivered: Outcome } {
  const end = timer?.();
  const result = compile(resources, options);
  end?.();
  return { result, delivered: delivery.deliver(result) };
}
