/**
 * Runs one job at most once at a time, after a hold-off window. The first request
 * opens the window and every request within it rides along; restarting the timer
 * on each request instead would never fire while a burst (a `kubectl apply` of a
 * thousand objects) keeps requests coming. A request during a run runs it once more.
 */
export class HoldOff {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private readonly run: () => Promise<void>;
  private readonly ms: number;
  private readonly onError: (e: unknown) => void;

  constructor(run: () => Promise<void>, ms: number, onError: (e: unknown) => void) {
    this.run = run;
    this.ms = ms;
    this.onError = onError;
  }

  schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.ms);
  }

  /** Stops scheduling and waits for a run in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }
}
