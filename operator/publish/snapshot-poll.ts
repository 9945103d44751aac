import type { IncomingMessage, ServerResponse } from 'node:http';
import { REPLICA, VERSION, type GatewayReport } from './gateway-report.ts';
import type { LongPollWaiters } from './long-poll-waiters.ts';
import { sendJson } from './publisher-http.ts';
import type { ReportBook } from './report-book.ts';

/** GET /v1/snapshot: the poll is the gateway's report too, then it is answered or held. */
export function handleSnapshotPoll(req: IncomingMessage, res: ServerResponse, url: URL, book: ReportBook, polls: LongPollWaiters): void {
  const replica = url.searchParams.get('replica') ?? '';
  const applied = url.searchParams.get('applied');
  const rejected = url.searchParams.get('rejected');
  const waitParam = url.searchParams.get('wait');
  const wait = waitParam === null ? 30 : Number(waitParam);
  if (!REPLICA.test(replica)) return sendJson(res, 400, { error: 'replica must be a name of 1-253 letters, digits, . _ : -' });
  if (applied !== null && !VERSION.test(applied)) return sendJson(res, 400, { error: 'applied must be a snapshot version' });
  if (rejected !== null && !/^[\x21-\x7e]{1,128}$/.test(rejected)) return sendJson(res, 400, { error: 'rejected is malformed' });
  if (!Number.isFinite(wait) || wait < 0) return sendJson(res, 400, { error: 'wait must be a number of seconds' });

  const report: Omit<GatewayReport, 'at'> = { replica, applied };
  if (rejected !== null) report.rejected = rejected;
  // A poll carries no errors, so those of a refusal it still reports are kept.
  const previous = book.get(replica);
  if (previous?.errors && previous.rejected === rejected) report.errors = previous.errors;
  if (req.socket.remoteAddress) report.address = req.socket.remoteAddress;
  book.record(report);

  polls.answer(res, new Set([applied, rejected].filter((v): v is string => v !== null)), wait);
}
