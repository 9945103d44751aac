import type { Logger } from 'pino';
import type { PortalView } from '../../operator/portal-view/portal-view.ts';

const EMPTY: PortalView = { products: [], apis: [], applications: [], subscriptions: [] };

/**
 * The portal view as the operator publishes it (`GET /v1/portal-view` on its
 * publisher), fetched every `everyMs`; the last good one is kept while the
 * operator is away. Each fetch has a 10 s deadline.
 */
export class PortalViewPoller {
  private latest: PortalView = EMPTY;
  private fetched = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly url: string;
  private readonly token: string | undefined;
  private readonly logger: Logger | undefined;

  constructor(operatorUrl: string, options: { token?: string; logger?: Logger } = {}) {
    this.url = `${operatorUrl.replace(/\/$/, '')}/v1/portal-view`;
    this.token = options.token;
    this.logger = options.logger;
  }

  view(): PortalView {
    return this.latest;
  }

  /** A view came from the operator at least once (the last good one is kept after). */
  hasView(): boolean {
    return this.fetched;
  }

  async start(everyMs = 2_000): Promise<void> {
    await this.poll();
    const loop = () => {
      this.timer = setTimeout(() => void this.poll().finally(loop), everyMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  async poll(): Promise<boolean> {
    try {
      const res = await fetch(this.url, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.latest = (await res.json()) as PortalView;
      this.fetched = true;
      return true;
    } catch (e) {
      this.logger?.warn({ err: String(e), url: this.url }, 'portal view not fetched; keeping the last one');
      return false;
    }
  }
}
