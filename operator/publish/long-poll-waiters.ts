import type { ServerResponse } from 'node:http';

interface Waiter {
  have: Set<string>;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

/** The latest snapshot's body and the polls held open until it changes. */
export class LongPollWaiters {
  private current: { version: string; body: Uint8Array } | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly maxWaitSeconds: number;

  constructor(maxWaitSeconds: number) {
    this.maxWaitSeconds = maxWaitSeconds;
  }

  currentVersion(): string | undefined {
    return this.current?.version;
  }

  /** Makes `version` current; every held poll that has neither it nor a refusal of it gets it now. `body`: encoded once, sent as is to every poll. */
  publish(version: string, body: Uint8Array): void {
    const current = { version, body };
    this.current = current;
    for (const waiter of this.waiters) {
      if (waiter.have.has(current.version)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      sendSnapshot(waiter.res, current);
    }
  }

  /** Answers a poll whose sender holds `have`: the snapshot if it differs, else 304 after `waitSeconds` (capped). */
  answer(res: ServerResponse, have: Set<string>, waitSeconds: number): void {
    if (this.current && !have.has(this.current.version)) return sendSnapshot(res, this.current);
    if (waitSeconds === 0) return void res.writeHead(304).end();
    const waiter: Waiter = {
      have,
      res,
      timer: setTimeout(
        () => {
          this.waiters.delete(waiter);
          res.writeHead(304).end();
        },
        Math.min(waitSeconds, this.maxWaitSeconds) * 1000,
      ),
    };
    this.waiters.add(waiter);
    res.once('close', () => {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    });
  }

  /** Tells every held poll to come back shortly, so that closing the server does not wait for them. */
  releaseAll(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.res.writeHead(503, { 'retry-after': '1', connection: 'close' }).end();
    }
    this.waiters.clear();
  }
}

function sendSnapshot(res: ServerResponse, snapshot: { version: string; body: Uint8Array }): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    etag: `"${snapshot.version}"`,
    'cache-control': 'no-store',
    'content-length': snapshot.body.byteLength,
  });
  res.end(snapshot.body);
}
