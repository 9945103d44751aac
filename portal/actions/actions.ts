import type { PortalApi, PortalApplication, PortalProduct, PortalSubscription, PortalView } from '../../operator/portal-view/portal-view.ts';
import { actsIn, listedFor, matches, subscribableFrom, visibleTo } from '../access/access.ts';
import type { PortalUser } from '../access/user.ts';
import type { Applied, QuotaUse } from '../backend/backend.ts';
import { checkName, checkText, type Change } from '../backend/changes.ts';
import { invalid, notFound, PortalError } from '../backend/portal-error.ts';
import type { PortalContext, ShownCredential } from './context.ts';

export function signedIn(ctx: PortalContext): PortalUser {
  if (!ctx.user) throw new PortalError(401, 'sign-in-required', 'sign in first');
  return ctx.user;
}

export function catalogue(ctx: PortalContext, query: string, category: string): { products: PortalProduct[]; categories: string[] } {
  const listed = ctx.backend.view().products.filter((p) => listedFor(p, ctx.user, ctx.anonymous));
  const categories = [...new Set(listed.flatMap((p) => p.categories))].sort();
  return { products: listed.filter((p) => matches(p, query) && (!category || p.categories.includes(category))), categories };
}

export function product(ctx: PortalContext, namespace: string, name: string): PortalProduct {
  const p = ctx.backend.view().products.find((x) => x.namespace === namespace && x.name === name);
  if (!p || !visibleTo(p, ctx.user, ctx.anonymous)) throw notFound(`product ${namespace}/${name}`);
  return p;
}

/** An API is visible through a product the visitor may see. */
export function api(ctx: PortalContext, namespace: string, name: string): { api: PortalApi; products: PortalProduct[] } {
  const view = ctx.backend.view();
  const a = view.apis.find((x) => x.namespace === namespace && x.name === name);
  const products = a ? view.products.filter((p) => a.products.includes(p.id) && visibleTo(p, ctx.user, ctx.anonymous)) : [];
  if (!a || !products.length) throw notFound(`API ${namespace}/${name}`);
  return { api: a, products };
}

export function myApplications(ctx: PortalContext): PortalApplication[] {
  const user = signedIn(ctx);
  return ctx.backend.view().applications.filter((a) => actsIn(user, a.namespace));
}

export interface ApplicationDetail {
  application: PortalApplication;
  subscriptions: Array<PortalSubscription & { productName: string }>;
  usage: QuotaUse[];
  /** Products this application may subscribe to, for the subscribe form. */
  subscribable: PortalProduct[];
  /** Credentials issued by an earlier action and shown now, once. */
  shown: ShownCredential[];
}

export async function application(ctx: PortalContext, namespace: string, name: string): Promise<ApplicationDetail> {
  const user = signedIn(ctx);
  const view = ctx.backend.view();
  const app = view.applications.find((a) => a.namespace === namespace && a.name === name);
  // Another team's application is "not found", not "forbidden": its existence is not theirs to learn.
  if (!app || !actsIn(user, namespace)) throw notFound(`application ${namespace}/${name}`);
  const subs = view.subscriptions.filter((s) => s.application === app.id);
  const productOf = new Map(view.products.map((p) => [p.id, p]));
  const active = subs.flatMap((s) => {
    const plan = productOf.get(s.product)?.plans.find((p) => p.name === s.plan || (!s.plan && p.name === ''));
    return s.phase === 'Active' && plan?.quota
      ? [{ id: s.id, product: s.product, plan: s.plan, quota: { ...plan.quota, interval: plan.quota.interval ?? 1 } }]
      : [];
  });
  const shown: ShownCredential[] = [];
  for (const credential of ctx.reveals.take(user.id, app.id)) {
    const revealed = await ctx.backend.reveal(user, app.id, credential);
    if (revealed) shown.push({ application: app.id, name: credential, ...revealed });
    else ctx.reveals.add(user.id, app.id, credential);
  }
  return {
    application: app,
    subscriptions: subs.map((s) => ({ ...s, productName: productOf.get(s.product)?.displayName ?? s.product })),
    usage: await ctx.backend.usage(app.id, active),
    subscribable: view.products.filter((p) => p.accepted && subscribableFrom(p, namespace) && visibleTo(p, user, false)),
    shown,
  };
}

export interface ActionResult {
  applied: Applied;
  /** A credential the action issued, shown this once. */
  shown?: ShownCredential;
  /** Where the application (or approval list) now is. */
  next: string;
}

export async function createApplication(ctx: PortalContext, input: Record<string, unknown>, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const namespace = checkName('namespace', input.namespace);
  if (!actsIn(user, namespace)) throw new PortalError(403, 'forbidden', `you do not act in namespace ${namespace}`);
  const name = checkName('name', input.name);
  const change: Change = {
    kind: 'createApplication',
    namespace,
    name,
    displayName: checkText('displayName', input.displayName, 100, false) || name,
    description: checkText('description', input.description, 2000, false),
    owner: { email: user.email ?? user.id, name: user.name },
  };
  if (!change.description) delete change.description;
  return issue(ctx, user, change, `${namespace}/${name}`, 'default', dryRun);
}

export async function rotate(ctx: PortalContext, namespace: string, name: string, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const app = await application(ctx, namespace, name);
  const stamp = ctx.clock().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  let credential = `key-${stamp}`;
  for (let i = 2; app.application.credentials.some((c) => c.name === credential); i++) credential = `key-${stamp}-${i}`;
  return issue(ctx, user, { kind: 'addCredential', namespace, application: name, credential }, app.application.id, credential, dryRun);
}

async function issue(ctx: PortalContext, user: PortalUser, change: Change, appId: string, credential: string, dryRun: boolean): Promise<ActionResult> {
  const applied = await ctx.backend.apply(user, change, dryRun);
  const next = `/apps/${appId}`;
  if (dryRun) return { applied, next };
  const issued = (v: PortalView) => v.applications.some((a) => a.id === appId && a.credentials.some((c) => c.name === credential && c.keyPrefix));
  const revealed = (await ctx.backend.settled(issued, ctx.settleMs)) ? await ctx.backend.reveal(user, appId, credential) : undefined;
  if (!revealed) {
    ctx.reveals.add(user.id, appId, credential);
    return { applied, next };
  }
  return { applied, next, shown: { application: appId, name: credential, ...revealed } };
}

export async function revoke(ctx: PortalContext, namespace: string, name: string, credential: string, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const app = await application(ctx, namespace, name);
  if (!app.application.credentials.some((c) => c.name === credential)) throw notFound(`credential ${credential}`);
  const applied = await ctx.backend.apply(user, { kind: 'revokeCredential', namespace, application: name, credential }, dryRun);
  if (!dryRun)
    await ctx.backend.settled(
      (v) => v.applications.some((a) => a.id === app.application.id && a.credentials.some((c) => c.name === credential && c.state === 'Revoked')),
      ctx.settleMs,
    );
  return { applied, next: `/apps/${app.application.id}` };
}

export async function subscribe(ctx: PortalContext, namespace: string, name: string, input: Record<string, unknown>, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const app = await application(ctx, namespace, name);
  const [productNamespace, productName] = String(input.product ?? '').split('/');
  const target = app.subscribable.find((p) => p.namespace === productNamespace && p.name === productName);
  if (!target) throw invalid('product', `no product ${String(input.product ?? '')} this application may subscribe to`);
  const plan = input.plan === undefined || input.plan === '' ? undefined : String(input.plan);
  if (plan !== undefined && !target.plans.some((p) => p.name === plan)) throw invalid('plan', `product ${target.id} has no plan ${plan}`);
  const subName = `${name}-${target.name}`.slice(0, 63).replace(/-+$/, '');
  const change: Change = {
    kind: 'subscribe',
    namespace,
    name: subName,
    application: name,
    product: { namespace: target.namespace, name: target.name },
    ...(plan ? { plan } : {}),
  };
  const applied = await ctx.backend.apply(user, change, dryRun);
  if (!dryRun) await ctx.backend.settled((v) => v.subscriptions.some((s) => s.id === `${namespace}/${subName}`), ctx.settleMs);
  return { applied, next: `/apps/${app.application.id}` };
}

export async function unsubscribe(ctx: PortalContext, namespace: string, name: string, subscription: string, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const app = await application(ctx, namespace, name);
  if (!app.subscriptions.some((s) => s.name === subscription)) throw notFound(`subscription ${namespace}/${subscription}`);
  const applied = await ctx.backend.apply(user, { kind: 'unsubscribe', namespace, name: subscription }, dryRun);
  if (!dryRun) await ctx.backend.settled((v) => !v.subscriptions.some((s) => s.id === `${namespace}/${subscription}`), ctx.settleMs);
  return { applied, next: `/apps/${app.application.id}` };
}

export function pendingApprovals(ctx: PortalContext): Array<PortalSubscription & { productName: string }> {
  const user = signedIn(ctx);
  if (!user.approver) throw new PortalError(403, 'forbidden', 'only members of the approvers group see pending subscriptions');
  const view = ctx.backend.view();
  const names = new Map(view.products.map((p) => [p.id, p.displayName]));
  return view.subscriptions.filter((s) => s.phase === 'PendingApproval').map((s) => ({ ...s, productName: names.get(s.product) ?? s.product }));
}

export async function decide(ctx: PortalContext, namespace: string, name: string, input: Record<string, unknown>, dryRun: boolean): Promise<ActionResult> {
  const user = signedIn(ctx);
  const pending = pendingApprovals(ctx).find((s) => s.namespace === namespace && s.name === name);
  if (!pending) throw notFound(`pending subscription ${namespace}/${name}`);
  const decision = input.decision === 'Approved' || input.decision === 'Rejected' ? input.decision : undefined;
  if (!decision) throw invalid('decision', 'must be Approved or Rejected');
  const reason = checkText('reason', input.reason, 500, decision === 'Rejected');
  const change: Change = {
    kind: 'decide',
    namespace,
    name,
    decision,
    by: user.id,
    at: ctx
      .clock()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z'),
    reason,
  };
  const applied = await ctx.backend.apply(user, change, dryRun);
  if (!dryRun) await ctx.backend.settled((v) => v.subscriptions.some((s) => s.id === pending.id && s.phase !== 'PendingApproval'), ctx.settleMs);
  return { applied, next: '/approvals' };
}
