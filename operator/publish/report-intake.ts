import type { IncomingMessage, ServerResponse } from 'node:http';
import { FORWARDED_BY_HEADER, parseReport, REPLICA, type GatewayReport } from './gateway-report.ts';
import { sendJson } from './publisher-http.ts';
import type { ReportBook } from './report-book.ts';

const MAX_REPORT_BYTES = 256 * 1024;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface ForwardedReport {
  report: GatewayReport;
  ageMs: number | undefined;
}

/** POST /v1/reports: one report from a gateway, or a batch another operator replica forwards. */
export function handleReportPost(req: IncomingMessage, res: ServerResponse, book: ReportBook): void {
  const forwardedBy = req.headers[FORWARDED_BY_HEADER];
  if (forwardedBy !== undefined && (typeof forwardedBy !== 'string' || !REPLICA.test(forwardedBy))) {
    return sendJson(res, 400, { error: `${FORWARDED_BY_HEADER} must name the forwarding operator replica` });
  }
  readBoundedBody(req, res, (text) => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: 'the report must be JSON' });
    }
    if (body === null || typeof body !== 'object') return sendJson(res, 400, { error: 'the report must be a JSON object' });
    if (forwardedBy === undefined) return intakeDirect(req, res, body, book);
    const forwarded = parseForwarded(body, forwardedBy);
    if (typeof forwarded === 'string') return sendJson(res, 400, { error: forwarded });
    for (const { report, ageMs } of forwarded) book.recordForwarded(report, ageMs);
    res.writeHead(204).end();
  });
}

/** Calls `onBody` with the whole body, unless it outgrows MAX_REPORT_BYTES: then 413 and the connection is cut. */
function readBoundedBody(req: IncomingMessage, res: ServerResponse, onBody: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_REPORT_BYTES) {
      sendJson(res, 413, { error: 'report too large' }, { connection: 'close' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    onBody(Buffer.concat(chunks).toString('utf8'));
  });
}

function intakeDirect(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, book: ReportBook): void {
  const parsed = parseReport(body);
  if (typeof parsed === 'string') return sendJson(res, 400, { error: parsed });
  if (req.socket.remoteAddress) parsed.address = req.socket.remoteAddress;
  book.record(parsed);
  res.writeHead(204).end();
}

// Forwarded by another operator replica: one report or {"reports": [...]}, each
// with the time and gateway address that replica saw. All or nothing, so the
// answer is every report or what is wrong with the first bad one.
function parseForwarded(body: Record<string, unknown>, forwardedBy: string): ForwardedReport[] | string {
  const list: unknown[] = Array.isArray(body.reports) ? body.reports : [body];
  const forwarded: ForwardedReport[] = [];
  for (const [i, item] of list.entries()) {
    const parsed = item !== null && typeof item === 'object' ? parseReport(item as Record<string, unknown>) : 'not an object';
    if (typeof parsed === 'string') return `reports[${i}]: ${parsed}`;
    const { at, address, ageMs } = item as { at?: unknown; address?: unknown; ageMs?: unknown };
    if (typeof at !== 'string' || !RFC3339.test(at) || Number.isNaN(Date.parse(at))) return `reports[${i}]: at must be an RFC 3339 time`;
    if (ageMs !== undefined && (typeof ageMs !== 'number' || !Number.isFinite(ageMs) || ageMs < 0)) {
      return `reports[${i}]: ageMs must be a number of milliseconds, 0 or more`;
    }
    forwarded.push({ report: { ...parsed, at, ...(typeof address === 'string' ? { address: address.slice(0, 64) } : {}), via: forwardedBy }, ageMs });
  }
  return forwarded;
}
