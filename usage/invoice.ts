import type { SqlClient } from '../gateway/usage/sql-client.ts';
import type { Catalog, Pricing } from './catalog.ts';
import { rollUp } from './rollup.ts';

/** One plan's charges for one application on one product in the month. Money in minor units (cents). */
export interface InvoiceLine {
  application: string;
  product: string;
  plan: string;
  currency: string;
  /** Days of the month the plan was in force (see `planDays`). */
  days: number;
  daysInMonth: number;
  feeCents: number;
  includedCalls: number;
  billableCalls: number;
  chargedCalls: number;
  usageCents: number;
  totalCents: number;
  /** When the plan prices tokens: the LLM tokens the ledger holds for the line, and what they cost. */
  promptTokens?: number;
  completionTokens?: number;
  tokenCents?: number;
  /** Why the line charges nothing, when it does not because of a missing price. */
  note?: string;
}

export interface OwnerInvoice {
  owner: string;
  /** Per currency, in minor units. */
  totals: Record<string, number>;
  lines: InvoiceLine[];
}

export interface Invoice {
  month: string;
  owners: OwnerInvoice[];
}

/** `2026-11` to its first instant and the next month's, UTC; undefined when malformed. */
export function monthPeriod(month: string): { from: number; to: number; days: number } | undefined {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return undefined;
  const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const to = Date.UTC(Number(m[1]), Number(m[2]), 1);
  return { from, to, days: Math.round((to - from) / 86_400_000) };
}

/**
 * Which plan was in force on each day of the month, from the ledger (rows carry the plan):
 * a day with calls belongs to the plan with the most billable calls that day (then the
 * most requests, then the name); a day without calls keeps the day before's plan; the
 * days before the first call belong to the first day's plan. Returns days per plan.
 */
export function planDays(daily: ReadonlyMap<number, ReadonlyMap<string, { billable: number; requests: number }>>, daysInMonth: number): Map<string, number> {
  const dayPlan: Array<string | undefined> = [];
  for (let d = 1; d <= daysInMonth; d++) {
    const plans = daily.get(d);
    if (!plans?.size) {
      dayPlan.push(dayPlan[d - 2]);
      continue;
    }
    const best = [...plans].sort(([an, a], [bn, b]) => b.billable - a.billable || b.requests - a.requests || (an < bn ? -1 : 1))[0]![0];
    dayPlan.push(best);
  }
  const first = dayPlan.find((p) => p !== undefined);
  const days = new Map<string, number>();
  for (const plan of dayPlan) {
    const p = plan ?? first;
    if (p !== undefined) days.set(p, (days.get(p) ?? 0) + 1);
  }
  return days;
}

/** Minor units from a decimal amount, exactly for up to 6 decimals. */
function micros(amount: number): bigint {
  return BigInt(Math.round(amount * 1_000_000));
}

/** Rounds a / b to the nearest integer, halves away from zero (a, b >= 0). */
function divRound(a: bigint, b: bigint): bigint {
  return (a * 2n + b) / (b * 2n);
}

/** The volume charge, in cents, for `calls` beyond the included ones, band by band. */
export function usageCents(calls: number, pricing: Pricing): number {
  let left = BigInt(calls);
  let charged = 0n;
  let microsTimesCalls = 0n;
  for (const band of pricing.bands ?? []) {
    if (left <= 0n) break;
    const room = band.upTo === undefined ? left : BigInt(band.upTo) - charged;
    const inBand = room < left ? (room > 0n ? room : 0n) : left;
    microsTimesCalls += inBand * micros(band.pricePer1000);
    charged += inBand;
    left -= inBand;
  }
  // micro-units x calls / 1000 calls = micro-units; / 10,000 = cents.
  return Number(divRound(microsTimesCalls, 1000n * 10_000n));
}

/** The token charge, in cents: micro-units per million tokens x tokens / 1,000,000 = micro-units; / 10,000 = cents. */
export function tokenCents(tokens: Tokens, pricing: NonNullable<Pricing['tokens']>): number {
  const microsTimesTokens = BigInt(tokens.prompt) * micros(pricing.promptPer1M ?? 0) + BigInt(tokens.completion) * micros(pricing.completionPer1M ?? 0);
  return Number(divRound(microsTimesTokens, 1_000_000n * 10_000n));
}

export interface Tokens {
  prompt: number;
  completion: number;
}

const NO_TOKENS: Tokens = { prompt: 0, completion: 0 };

export function lineFor(
  application: string,
  product: string,
  plan: string,
  days: number,
  daysInMonth: number,
  billableCalls: number,
  pricing: Pricing | undefined,
  tokens: Tokens = NO_TOKENS,
): InvoiceLine {
  if (!pricing) {
    return {
      application,
      product,
      plan,
      currency: '',
      days,
      daysInMonth,
      feeCents: 0,
      includedCalls: 0,
      billableCalls,
      chargedCalls: 0,
      usageCents: 0,
      totalCents: 0,
      note: 'plan has no pricing',
    };
  }
  const feeCents = Number(divRound(micros(pricing.monthlyFee ?? 0) * BigInt(days), 10_000n * BigInt(daysInMonth)));
  const includedCalls = Math.floor(((pricing.includedCalls ?? 0) * days) / daysInMonth);
  const chargedCalls = Math.max(0, billableCalls - includedCalls);
  const usage = usageCents(chargedCalls, pricing);
  const line: InvoiceLine = {
    application,
    product,
    plan,
    currency: pricing.currency,
    days,
    daysInMonth,
    feeCents,
    includedCalls,
    billableCalls,
    chargedCalls,
    usageCents: usage,
    totalCents: feeCents + usage,
  };
  if (pricing.tokens) {
    const cents = tokenCents(tokens, pricing.tokens);
    Object.assign(line, { promptTokens: tokens.prompt, completionTokens: tokens.completion, tokenCents: cents, totalCents: line.totalCents + cents });
  }
  return line;
}

interface DayRow {
  day: number;
  application: string;
  product: string;
  plan: string;
  billable: number;
  requests: number;
  prompt: number;
  completion: number;
}

async function dailyUsage(db: SqlClient, from: number, to: number): Promise<DayRow[]> {
  await rollUp(db, { from, to });
  const { rows } = await db.query<DayRow>(
    `SELECT extract(day FROM window_start AT TIME ZONE 'UTC')::int AS day, application, product, plan, sum(billable)::bigint AS billable, sum(requests)::bigint AS requests,
       sum(prompt_tokens)::bigint AS prompt, sum(completion_tokens)::bigint AS completion
     FROM usage_day WHERE window_start >= $1 AND window_start < $2 AND application <> '' AND product <> ''
     GROUP BY 1, 2, 3, 4`,
    [new Date(from).toISOString(), new Date(to).toISOString()],
  );
  return rows.map((r) => ({
    ...r,
    day: Number(r.day),
    billable: Number(r.billable),
    requests: Number(r.requests),
    prompt: Number(r.prompt),
    completion: Number(r.completion),
  }));
}

/**
 * Each owner's charges for a month, per application, product and plan, from the ledger's
 * day rows and the plans' pricing. Deterministic: the same ledger and catalog give the
 * same invoice, in the same order. See `planDays` for proration.
 */
export async function computeInvoice(db: SqlClient, month: string, catalog: Catalog): Promise<Invoice> {
  const period = monthPeriod(month);
  if (!period) throw new Error(`month ${JSON.stringify(month)}: give YYYY-MM`);
  const rows = await dailyUsage(db, period.from, period.to);
  const bySubscription = new Map<string, DayRow[]>();
  for (const row of rows) {
    const product = catalog.products.get(row.product);
    // A subscription without a plan was on the product's default plan.
    const plan = row.plan || product?.defaultPlan || '';
    const key = `${row.application}\n${row.product}`;
    bySubscription.set(key, [...(bySubscription.get(key) ?? []), { ...row, plan }]);
  }
  const owners = new Map<string, InvoiceLine[]>();
  for (const [key, subscriptionRows] of [...bySubscription].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [application = '', product = ''] = key.split('\n');
    const daily = new Map<number, Map<string, { billable: number; requests: number }>>();
    const calls = new Map<string, number>();
    const tokens = new Map<string, Tokens>();
    for (const r of subscriptionRows) {
      const t = tokens.get(r.plan) ?? { prompt: 0, completion: 0 };
      tokens.set(r.plan, { prompt: t.prompt + r.prompt, completion: t.completion + r.completion });
      const day = daily.get(r.day) ?? new Map<string, { billable: number; requests: number }>();
      const had = day.get(r.plan) ?? { billable: 0, requests: 0 };
      day.set(r.plan, { billable: had.billable + r.billable, requests: had.requests + r.requests });
      daily.set(r.day, day);
      calls.set(r.plan, (calls.get(r.plan) ?? 0) + r.billable);
    }
    const days = planDays(daily, period.days);
    const owner = catalog.owners.get(application) ?? '';
    for (const plan of [...calls.keys()].sort()) {
      const pricing = catalog.products.get(product)?.plans.get(plan);
      owners.set(owner, [
        ...(owners.get(owner) ?? []),
        lineFor(application, product, plan, days.get(plan) ?? 0, period.days, calls.get(plan) ?? 0, pricing, tokens.get(plan)),
      ]);
    }
  }
  return {
    month,
    owners: [...owners]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([owner, lines]) => {
        const totals: Record<string, number> = {};
        for (const line of lines) if (line.currency) totals[line.currency] = (totals[line.currency] ?? 0) + line.totalCents;
        return { owner, totals, lines };
      }),
  };
}

/** Stores a month's invoice lines (replacing that month's), for the business dashboard's revenue panels. */
export async function saveInvoice(db: SqlClient, invoice: Invoice): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query('DELETE FROM usage_invoice_line WHERE month = $1', [invoice.month]);
    for (const { owner, lines } of invoice.owners) {
      for (const l of lines) {
        await db.query(
          `INSERT INTO usage_invoice_line (month, owner, application, product, plan, currency, days, days_in_month, billable_calls, included_calls, charged_calls, fee_cents, usage_cents, total_cents)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            invoice.month,
            owner,
            l.application,
            l.product,
            l.plan,
            l.currency,
            l.days,
            l.daysInMonth,
            l.billableCalls,
            l.includedCalls,
            l.chargedCalls,
            l.feeCents,
            l.usageCents,
            l.totalCents,
          ],
        );
      }
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK');
    throw err;
  }
}
