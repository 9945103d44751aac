import { Command, InvalidArgumentError, Option } from 'commander';
import type { SqlClient } from '../../gateway/usage/sql-client.ts';
import { loadPaths } from '../../operator/loader/load.ts';
import { catalogOf, emptyCatalog, type Catalog } from '../../usage/catalog.ts';
import { formatRows, money, type Format } from '../../usage/format.ts';
import { computeInvoice, monthPeriod, saveInvoice } from '../../usage/invoice.ts';
import { migrate } from '../../usage/migrations.ts';
import { openUsageDatabase } from '../../usage/open-database.ts';
import { GROUPS, usageReport, type Group } from '../../usage/report.ts';
import { applyRetention, rollUp, type Period } from '../../usage/rollup.ts';

/** The embedded store `tollgate dev` writes to, so `tollgate usage` beside it needs no flag. */
export const DEV_USAGE_DATABASE = 'pglite:.state/dev/usage';

interface CommonOptions {
  database: string;
  output: Format;
}

interface ReportOptions extends CommonOptions {
  month?: string;
  from?: string;
  to?: string;
  groupBy: Group[];
  resources?: string[];
  application?: string;
  owner?: string;
  product?: string;
  plan?: string;
  api?: string;
  namespace?: string;
  environment?: string;
}

function databaseOption(): Option {
  return new Option('--database <url>', 'usage store: postgres://... or pglite:DIR').env('TOLLGATE_USAGE_DATABASE').default(DEV_USAGE_DATABASE);
}

function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['table', 'csv', 'json']).default('table');
}

function groupList(value: string): Group[] {
  const groups = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of groups)
    if (!(GROUPS as readonly string[]).includes(g)) throw new InvalidArgumentError(`unknown group ${JSON.stringify(g)}; one of ${GROUPS.join(', ')}`);
  return groups as Group[];
}

function instant(value: string, name: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`--${name} ${JSON.stringify(value)}: give YYYY-MM-DD or an ISO 8601 time`);
  return t;
}

/** --month, or --from/--to, else the current UTC month. */
export function periodOf(options: { month?: string; from?: string; to?: string }, now: number): Period {
  if (options.month) {
    const month = monthPeriod(options.month);
    if (!month) throw new InvalidArgumentError(`--month ${JSON.stringify(options.month)}: give YYYY-MM`);
    return { from: month.from, to: month.to };
  }
  const d = new Date(now);
  const from = options.from ? instant(options.from, 'from') : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const to = options.to ? instant(options.to, 'to') : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  if (to <= from) throw new InvalidArgumentError('--to must be after --from');
  return { from, to };
}

/** A month as --month takes it: YYYY-MM, or `previous` (the calendar month before `now`'s, UTC: what a CronJob on the 1st bills). */
export function monthArg(value: string, now: number): string {
  if (value !== 'previous') return value;
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}

/** The catalog from the cluster (--kubeconfig, KUBECONFIG or in-cluster, as kubectl finds it); the client is loaded only then. */
async function catalogFromCluster(kubeconfig: string | undefined): Promise<Catalog> {
  const [{ kubeTarget }, { clusterCatalog }] = await Promise.all([import('../cluster/kube-target.ts'), import('../cluster/cluster-catalog.ts')]);
  const target = kubeTarget(kubeconfig ? { kubeconfig, allNamespaces: true } : { allNamespaces: true });
  return clusterCatalog(target).catch((e: unknown) => {
    throw Object.assign(new Error(`cannot list APIProducts and Applications in the cluster (${kubeFailure(e)})`, { cause: e }), {
      code: 'usage-cluster-unreadable',
    });
  });
}

/** An API server refusal in a line: its status and message, never the whole response. */
function kubeFailure(e: unknown): string {
  const { code, body, message } = e as { code?: unknown; body?: unknown; message?: string };
  if (typeof code !== 'number')
    return String(message ?? e)
      .split('\n')[0]!
      .slice(0, 300);
  let said: unknown = body;
  try {
    if (typeof body === 'string') said = (JSON.parse(body) as { message?: string }).message;
    else if (body && typeof body === 'object') said = (body as { message?: string }).message;
  } catch {
    said = undefined;
  }
  return `HTTP ${code}${typeof said === 'string' ? `: ${said.slice(0, 300)}` : ''}`;
}

function catalogFrom(paths: string[] | undefined): Catalog {
  if (!paths?.length) return emptyCatalog();
  const loaded = loadPaths(paths);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors.slice(0, 10)) process.stderr.write(`warning: ${d.file ?? ''}: ${d.message}\n`);
  return catalogOf(loaded.resources);
}

/** A failure as one line for the user: the cause and a stable code, never a URL's password. */
export function describeFailure(err: unknown): string {
  const e = err as { code?: string; message?: string; address?: string; port?: number; errors?: unknown[] };
  if (e.code === '42P01') return 'error [usage-store-empty]: the usage store has no usage tables yet: run `tollgate usage migrate` with the same --database';
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT' || e.code === 'ECONNRESET') {
    const where = e.address ? ` at ${e.address}${e.port ? `:${e.port}` : ''}` : '';
    return `error [usage-store-unreachable]: cannot reach the usage store${where} (${e.code})`;
  }
  if (err instanceof AggregateError && err.errors.length) return describeFailure(err.errors[0]);
  const message = String(e.message ?? err).replace(/\/\/[^@/\s]*@/g, '//***@');
  return `error [${typeof e.code === 'string' ? e.code : 'usage-failed'}]: ${message}`;
}

/** Runs a subcommand; a failure is a line on stderr and exit code 1, not a stack trace. */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      process.stderr.write(`${err instanceof InvalidArgumentError ? `error: ${err.message}` : describeFailure(err)}\n`);
      process.exitCode = 1;
    }
  };
}

async function withDatabase<T>(url: string, work: (db: SqlClient) => Promise<T>): Promise<T> {
  const db = await openUsageDatabase(url);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function report(options: ReportOptions): Promise<void> {
  const period = periodOf(options, Date.now());
  const catalog = catalogFrom(options.resources);
  const filters = Object.fromEntries(
    (['application', 'owner', 'product', 'plan', 'api', 'namespace', 'environment'] as const).flatMap((k) =>
      options[k] === undefined ? [] : [[k, options[k]]],
    ),
  );
  const rows = await withDatabase(options.database, (db) => usageReport(db, { period, groupBy: options.groupBy, filters }, catalog));
  const flat = rows.map((r) => ({
    ...r.group,
    requests: r.requests,
    billable: r.billable,
    refused: r.refused,
    bytes_in: r.bytesIn,
    bytes_out: r.bytesOut,
    latency_ms: r.latencyMs,
  }));
  process.stdout.write(formatRows([...options.groupBy, 'requests', 'billable', 'refused', 'bytes_in', 'bytes_out', 'latency_ms'], flat, options.output));
}

interface InvoiceOptions extends CommonOptions {
  month: string;
  resources?: string[];
  resourcesFromCluster?: boolean;
  kubeconfig?: string;
  save?: boolean;
}

async function invoice(options: InvoiceOptions): Promise<void> {
  const month = monthArg(options.month, Date.now());
  if (!monthPeriod(month)) throw new InvalidArgumentError(`--month ${JSON.stringify(options.month)}: give YYYY-MM or previous`);
  if (options.resources?.length && options.resourcesFromCluster) throw new InvalidArgumentError('give --resources or --resources-from-cluster, not both');
  const catalog = options.resourcesFromCluster ? await catalogFromCluster(options.kubeconfig) : catalogFrom(options.resources);
  const result = await withDatabase(options.database, async (db) => {
    const computed = await computeInvoice(db, month, catalog);
    if (options.save) await saveInvoice(db, computed);
    return computed;
  });
  if (options.output === 'json') {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const rows = result.owners.flatMap((o) =>
    o.lines.map((l) => ({
      owner: o.owner,
      application: l.application,
      product: l.product,
      plan: l.plan,
      days: l.days,
      billable: l.billableCalls,
      included: l.includedCalls,
      charged: l.chargedCalls,
      currency: l.currency,
      fee: money(l.feeCents),
      usage: money(l.usageCents),
      total: money(l.totalCents),
    })),
  );
  process.stdout.write(
    formatRows(
      ['owner', 'application', 'product', 'plan', 'days', 'billable', 'included', 'charged', 'currency', 'fee', 'usage', 'total'],
      rows,
      options.output,
    ),
  );
}

function addReportOptions(command: Command): Command {
  return command
    .addOption(databaseOption())
    .addOption(outputOption())
    .option('--month <YYYY-MM>', 'the calendar month (UTC)')
    .option('--from <time>', 'start (YYYY-MM-DD or ISO 8601), inclusive; default the 1st of this month')
    .option('--to <time>', 'end, exclusive; default the 1st of next month')
    .addOption(new Option('--group-by <groups>', `comma-separated: ${GROUPS.join(', ')}`).argParser(groupList).default([]))
    .option('--resources <paths...>', 'Tollgate YAML (files or directories) naming owners and plan pricing')
    .option('--application <namespace/name>', 'only this application')
    .option('--owner <email>', "only this developer's applications (needs --resources)")
    .option('--product <namespace/name>', 'only this product')
    .option('--plan <name>', 'only this plan')
    .option('--api <namespace/name>', 'only this API')
    .option('--namespace <name>', 'only applications in this namespace')
    .option('--environment <name>', 'only this environment');
}

/** Adds `tollgate usage`: reports, invoices and the usage store's upkeep. */
export function registerUsageCommand(program: Command): void {
  const usage = program.command('usage').description('usage reports and invoices from the usage store, and its upkeep');
  addReportOptions(usage.command('report', { isDefault: true }).description('usage over a period, filtered and grouped (the default)')).action(guarded(report));
  usage
    .command('invoice')
    .description("each owner's charges for a month, per application, product and plan")
    .requiredOption('--month <YYYY-MM>', 'the calendar month (UTC); previous: the month before this one')
    .option('--resources <paths...>', 'Tollgate YAML (files or directories) with the products’ plan pricing and the applications’ owners')
    .option('--resources-from-cluster', 'read the pricing and owners from the cluster’s APIProducts and Applications instead (a CronJob)')
    .option('--kubeconfig <file>', 'with --resources-from-cluster: kubeconfig (default: in-cluster / KUBECONFIG)')
    .option('--save', "also store the month's lines in the usage store (the business dashboard's revenue)")
    .addOption(databaseOption())
    .addOption(outputOption())
    .action(guarded(invoice));
  usage
    .command('migrate')
    .description('create or upgrade the usage store’s tables')
    .addOption(databaseOption())
    .action(
      guarded(async (options: { database: string }) => {
        const applied = await withDatabase(options.database, migrate);
        process.stdout.write(applied.length ? `applied migration(s) ${applied.join(', ')}\n` : 'usage store up to date\n');
      }),
    );
  usage
    .command('rollup')
    .description('roll minute rows up into hours and days, then delete what is past retention (run it hourly, e.g. as a CronJob)')
    .addOption(databaseOption())
    .option('--from <time>', 'start of the period to roll up; default two days ago')
    .option('--to <time>', 'end; default now')
    .action(
      guarded(async (options: { database: string; from?: string; to?: string }) => {
        const now = Date.now();
        const period = { from: options.from ? instant(options.from, 'from') : now - 2 * 86_400_000, to: options.to ? instant(options.to, 'to') : now };
        const deleted = await withDatabase(options.database, async (db) => {
          await rollUp(db, period);
          return applyRetention(db, now);
        });
        process.stdout.write(`rolled up; deleted past retention: ${deleted.minute} minute, ${deleted.hour} hour, ${deleted.day} day rows\n`);
      }),
    );
}
