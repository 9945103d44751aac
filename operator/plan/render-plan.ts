import type { Quota, RateLimit } from '../../gateway/snapshot/types.ts';
import type { Plan } from './build-plan.ts';

export const formatQuota = (q: Quota): string => `${q.limit} per ${q.interval === 1 ? '' : `${q.interval} `}${q.timeUnit}${q.interval === 1 ? '' : 's'}`;
export const formatRateLimit = (r: RateLimit): string => `${r.requests}/${r.per}${r.burst ? ` burst ${r.burst}` : ''}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** The plan as a reviewer reads it in a pull request. */
export function renderPlan(plan: Plan): string {
  const out: string[] = [`Snapshot ${plan.snapshotVersion}`, '', 'Routes'];
  if (!plan.routes.length) out.push('  (none)');
  else
    out.push(
      ...table([
        ['HOST', 'BASE PATH', 'API', 'LIFECYCLE', 'ENVIRONMENTS', 'AUTH', 'UPSTREAM'],
        ...plan.routes.map((r) => [r.host, r.basePath, r.api, r.lifecycle, r.environments.join(',') || '*', r.auth.join(', '), r.upstream.join(' ')]),
      ]).map((l) => `  ${l}`),
    );
  out.push('', 'Operations');
  if (!plan.operations.length) out.push('  (none)');
  for (const a of plan.operations) {
    const from = a.source === 'document' ? 'from the OpenAPI document' : a.source === 'spec' ? 'from spec.operations' : 'every path and method';
    out.push(`  ${a.api} (${from}${a.mock ? '; mocked from the document' : ''})`);
    if (a.operations.length)
      out.push(
        ...table(a.operations.map((op) => [op.methods.join(','), op.path, op.operationId ?? '', op.validated ? 'validated' : ''])).map((l) => `    ${l}`),
      );
  }
  out.push('', 'Access');
  if (!plan.access.length) out.push('  (no applications)');
  for (const app of plan.access) {
    const creds = app.credentials.map((c) => `${c.name}=${c.state}`).join(', ');
    out.push(`  ${app.application}${app.suspended ? ` [suspended: ${app.suspended}]` : ''}${creds ? ` (credentials ${creds})` : ''}`);
    if (!app.subscriptions.length) out.push('    (no subscriptions)');
    for (const s of app.subscriptions) {
      const limits = [
        s.plan ? `plan ${s.plan}` : '',
        s.quota ? `quota ${formatQuota(s.quota)}` : '',
        s.rateLimit ? `rate ${formatRateLimit(s.rateLimit)}` : '',
        s.apiKeys === 'Allowed'
          ? 'API keys allowed'
          : s.apiKeys === 'Refused'
            ? `API keys refused (tokens only${s.scopes.length ? `, scopes ${s.scopes.join(' ')}` : ''})`
            : '',
      ]
        .filter(Boolean)
        .join(', ');
      out.push(`    -> ${s.product} [${s.phase}]${limits ? ` ${limits}` : ''} via ${s.subscription}`);
      for (const op of s.operations) {
        const quota = op.quota && op.quotaScope === 'operation' ? ` (operation quota ${formatQuota(op.quota)})` : '';
        out.push(
          `       ${op.methods.join(',')} ${op.basePaths.join(' | ') || '(not routed)'} ${op.paths.join(' ')}${quota}${op.environments.length ? ` in ${op.environments.join(',')}` : ''}`,
        );
      }
    }
  }
  return out.join('\n') + '\n';
}
