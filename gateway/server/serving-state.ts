import type { RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';

/** What the gateway serves now: each request takes `runtime` once and keeps it to its end. */
export class ServingState {
  runtime: RuntimeSnapshot | undefined = undefined;
  draining = false;

  ready(): boolean {
    return this.runtime !== undefined && !this.draining;
  }
}
