import type { Logger } from 'pino';
import { tokenValue, type Token } from '../../gateway/sources/token.ts';
import { FORWARDED_BY_HEADER, type GatewayReport } from './snapshot-publisher.ts';

// Every operator replica serves snapshots, but only the leader writes statuses,
// and Programmed counts the gateways the leader has heard from. A gateway behind
// a Service polls whichever replica it reached, so a follower passes what its
// gateways report on to the leader's publisher (PROTOCOL.md, "Several operator
// replicas").

export type ForwardResult = 'sent' | 'failed' | 'no_leader';

export interface ReportForwarderOptions {
  /** This replica, named on everything it forwards (the leader records it as `via`). */
  identity: string;
  /** The leader's publisher base URL; undefined while this replica leads or no leader is known. */
  leaderUrl: () => string | undefined;
  /** The bearer token gateways present; publishers share it. */
  token?: Token;
  /** Reports are collected for this long and sent together (default 250 ms: at most 4 requests a second). */
  intervalMs?: number;
  /** Per request (default 2 s). */
  timeoutMs?: number;
  logger: Logger;
  /** How many reports each attempt settled, and how. */
  onResult?: (result: ForwardResult, reports: number) => void;
}

export interface ReportForwarder {
  /** Queues a report a gateway sent this replica; a newer one from the same gateway replaces it. */
  offer(report: GatewayReport): void;
  /** Resolves once nothing is queued or in flight (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

// The leader's publisher takes at most 256 KiB per request; stay well under it.
const MAX_BATCH_BYTES = 192 * 1024;

/**
 * Fire and forget: a report that cannot be delivered is dropped, not retried.
 * A gateway reports at every poll (at least every 30 s, and again right after
 * each apply), so the next one carries the same news.
 */
export function createReportForwarder(o: ReportForwarderOptions): ReportForwarder {
  const interval = o.intervalMs ?? 250;
  const timeout = o.timeoutMs ?? 2_000;
  const pending = new Map<string, GatewayReport>();
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let closed = false;

  const schedule = (): void => {
    if (closed || timer || flushing) return;
    timer = setTimeout(() => {
      timer = undefined;
      flushing = flush().finally(() => {
        flushing = undefined;
        // What arrived while this batch was on its way goes in the next one.
        if (pending.size) schedule();
      });
    }, interval);
  };

  async function flush(): Promise<void> {
    const batch = [...pending.values()];
    pending.clear();
    const url = o.leaderUrl();
    if (!url) return o.onResult?.('no_leader', batch.length);
    for (const chunk of chunks(batch)) {
      if (closed) return;
      try {
        const res = await fetch(`${url.replace(/\/+$/, '')}/v1/reports`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [FORWARDED_BY_HEADER]: o.identity,
            ...(tokenValue(o.token) ? { authorization: `Bearer ${tokenValue(o.token)}` } : {}),
          },
          body: JSON.stringify({ reports: chunk.map((r) => wire(r)) }),
          signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeout)]),
        });
        await res.body?.cancel();
        if (res.status !== 204) throw new Error(`the leader answered ${res.status}`);
        o.onResult?.('sent', chunk.length);
      } catch (e) {
        if (closed) return;
        o.onResult?.('failed', chunk.length);
        o.logger.debug({ err: String((e as Error).message ?? e), leader: url, reports: chunk.length }, 'cannot forward gateway reports to the leader');
      }
    }
  }

  return {
    offer(report) {
      if (closed) return;
      // Only while a leader is known to forward to: one leading itself, or in a
      // single-replica setup, has nothing to collect.
      if (!o.leaderUrl()) return o.onResult?.('no_leader', 1);
      pending.delete(report.replica); // re-inserted last: the map stays oldest-first
      pending.set(report.replica, report);
      schedule();
    },
    async idle() {
      while (timer || flushing) {
        if (flushing) await flushing;
        else await new Promise((r) => setTimeout(r, interval));
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      pending.clear();
      stop.abort();
      await flushing;
    },
  };
}

/** What the leader's publisher reads (it sets `via` itself from the header). */
function wire(r: GatewayReport, now = Date.now()): Omit<GatewayReport, 'via'> & { ageMs: number } {
  return {
    replica: r.replica,
    applied: r.applied,
    ...(r.rejected !== undefined ? { rejected: r.rejected } : {}),
    ...(r.errors ? { errors: r.errors } : {}),
    at: r.at,
    // How long ago, by this replica's clock: the leader dates the report on its own
    // clock with it, so skew between the two replicas' clocks does not matter.
    ageMs: Math.max(0, now - Date.parse(r.at)),
    ...(r.address ? { address: r.address } : {}),
  };
}

function* chunks(reports: GatewayReport[]): Generator<GatewayReport[]> {
  let chunk: GatewayReport[] = [];
  let bytes = 0;
  for (const r of reports) {
    const size = Buffer.byteLength(JSON.stringify(wire(r))) + 1;
    if (chunk.length && bytes + size > MAX_BATCH_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length) yield chunk;
}
