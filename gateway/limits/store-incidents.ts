import type { StoreErrorContext, StoreIncidentEnd, StoreIncidentHooks } from './types.ts';

/**
 * Groups the checks a store could not answer into incidents: the first failure after a
 * good answer opens one (reported once), the next good answer closes it with how many
 * requests each product admitted without a count (fail open) or refused (fail closed).
 * A gateway logs two lines per outage instead of one per request.
 */
export class StoreIncidents {
  readonly #hooks: StoreIncidentHooks;
  #open: { since: number; error: string; admitted: Map<string, number>; refused: Map<string, number> } | undefined;

  constructor(hooks: StoreIncidentHooks) {
    this.#hooks = hooks;
  }

  failed(error: Error, context: StoreErrorContext): void {
    if (!this.#open) {
      this.#open = { since: Date.now(), error: error.message, admitted: new Map(), refused: new Map() };
      this.#call(() => this.#hooks.onIncidentStart?.(error, context));
    }
    const counts = context.failureMode === 'open' ? this.#open.admitted : this.#open.refused;
    counts.set(context.product, (counts.get(context.product) ?? 0) + 1);
  }

  /** A check Redis answered: closes the open incident, if any. */
  answered(): void {
    if (this.#open) this.#end(true);
  }

  /** The store is closing: an incident still open is reported as it stands. */
  close(): void {
    if (this.#open) this.#end(false);
  }

  #end(recovered: boolean): void {
    const open = this.#open!;
    this.#open = undefined;
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const report: StoreIncidentEnd = {
      recovered,
      durationMs: Date.now() - open.since,
      firstError: open.error,
      admittedUncounted: sum(open.admitted),
      refused: sum(open.refused),
      admittedUncountedByProduct: Object.fromEntries(open.admitted),
      refusedByProduct: Object.fromEntries(open.refused),
    };
    this.#call(() => this.#hooks.onIncidentEnd?.(report));
  }

  #call(hook: () => void): void {
    try {
      hook();
    } catch {
      // A failing log or metrics hook must not turn into a failed request.
    }
  }
}
