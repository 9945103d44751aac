import type { GatewayReport } from '../publish/snapshot-publisher.ts';

/**
 * Gives live gateways a moment to apply a new snapshot before statuses are
 * written, so that an object goes to Programmed=True in one status write rather
 * than Pending first and True a moment later: half the writes in a burst.
 */
export class GatewayWait {
  private readonly listeners = new Set<() => void>();

  private readonly reports: () => GatewayReport[];
  private readonly clock: () => Date;
  private readonly staleMs: number;

  constructor(reports: () => GatewayReport[], clock: () => Date, staleMs: number) {
    this.reports = reports;
    this.clock = clock;
    this.staleMs = staleMs;
  }

  /** A gateway's report changed. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Resolves once no live gateway is still on another version than `version`, or after `maxMs`. */
  until(version: string, maxMs: number): Promise<void> {
    const pending = () => {
      const t = this.clock().getTime();
      return this.reports().some((r) => r.applied && t - Date.parse(r.at) <= this.staleMs && r.applied !== version && r.rejected !== version);
    };
    if (maxMs <= 0 || !pending()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.listeners.delete(check);
        resolve();
      };
      const check = () => {
        if (!pending()) done();
      };
      const timeout = setTimeout(done, maxMs);
      this.listeners.add(check);
    });
  }
}
