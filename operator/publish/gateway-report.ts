// What a gateway tells a publisher about itself, and the field checks every
// route that takes a report shares (gateway/snapshot/PROTOCOL.md).

export interface GatewayReport {
  replica: string;
  /** The version the replica serves; null before it has any. */
  applied: string | null;
  /** The last version it refused, while it still refuses it. */
  rejected?: string;
  errors?: string[];
  /** When this replica last polled or reported (RFC 3339), at the operator replica it reached. */
  at: string;
  /** The gateway's address as seen by the operator replica it reached. */
  address?: string;
  /** The operator replica that received this report and forwarded it here; absent when the gateway reached this one. */
  via?: string;
}

/** Names the sending operator replica on reports it forwards (see PROTOCOL.md, "Several operator replicas"). */
export const FORWARDED_BY_HEADER = 'x-tollgate-forwarded-by';

export const REPLICA = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,252}$/;
export const VERSION = /^sha256:[0-9a-f]{64}$/;

/** A report's own fields as a gateway sends them, or what is wrong with them. */
export function parseReport(body: Record<string, unknown>): Omit<GatewayReport, 'at'> | string {
  const { replica, applied, rejected, errors } = body;
  if (typeof replica !== 'string' || !REPLICA.test(replica)) return 'replica is missing or malformed';
  if (applied !== null && (typeof applied !== 'string' || !VERSION.test(applied))) return 'applied must be a version or null';
  const report: Omit<GatewayReport, 'at'> = { replica, applied: applied };
  if (typeof rejected === 'string') report.rejected = rejected.slice(0, 128);
  if (Array.isArray(errors))
    report.errors = errors
      .filter((e): e is string => typeof e === 'string')
      .slice(0, 50)
      .map((e) => e.slice(0, 500));
  return report;
}
