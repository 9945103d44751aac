import * as actions from '../actions/actions.ts';
import { html } from '../html/html.ts';
import { actsIn, subscribableFrom } from '../access/access.ts';
import { PortalError } from '../backend/portal-error.ts';
import { apiPage, cataloguePage, productPage, subscribeFromProduct } from '../pages/catalogue-pages.ts';
import { appPage, appsPage, approvalsPage, yamlPage } from '../pages/app-pages.ts';
import { route, type Reply, type Route, type RouteInput } from './router.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** A form's answer: the YAML (a dry run, or with a key shown once), else back to where the change shows. */
function afterAction(input: RouteInput, title: string, result: actions.ActionResult): Reply {
  if (result.applied.dryRun || result.shown) return { html: yamlPage(input.frame, title, result.applied, result.next, result.shown), noStore: true };
  return { redirect: result.next };
}

const dry = (input: RouteInput) => input.body.action === 'yaml';

export function pageRoutes(): Route[] {
  return [
    route('GET', '/', ({ url, ctx, frame }) => {
      const q = (url.searchParams.get('q') ?? '').slice(0, 200);
      const category = (url.searchParams.get('category') ?? '').slice(0, 100);
      const { products, categories } = actions.catalogue(ctx, q, category);
      const page = Math.min(Math.max(1, Math.floor(Number(url.searchParams.get('page')) || 1)), 10_000);
      return { html: cataloguePage(frame, q, category, categories, products, page) };
    }),
    route('GET', '/products/:ns/:name', ({ params, ctx, frame }) => {
      const p = actions.product(ctx, params.ns!, params.name!);
      const apis = ctx.backend.view().apis.filter((a) => p.apis.some((x) => x.id === a.id));
      const apps = ctx.user ? ctx.backend.view().applications.filter((a) => actsIn(ctx.user, a.namespace) && subscribableFrom(p, a.namespace)) : [];
      return { html: productPage(frame, p, apis, p.accepted ? subscribeFromProduct(frame, p, apps) : html``) };
    }),
    route('GET', '/apis/:ns/:name', ({ params, ctx, frame }) => {
      const { api, products } = actions.api(ctx, params.ns!, params.name!);
      return { html: apiPage(frame, api, products), inlineStyles: true };
    }),
    route('GET', '/apis/:ns/:name/openapi.json', ({ params, ctx }) => ({ json: actions.api(ctx, params.ns!, params.name!).api.docs.document })),
    route('GET', '/apps', ({ ctx, frame }) => ({ html: appsPage(frame, actions.myApplications(ctx)) })),
    route('POST', '/apps', async (input) => afterAction(input, 'Create application', await actions.createApplication(input.ctx, input.body, dry(input)))),
    route('GET', '/apps/:ns/:name', async ({ params, ctx, frame }) => ({
      html: appPage(frame, await actions.application(ctx, params.ns!, params.name!)),
      noStore: true,
    })),
    route('POST', '/apps/:ns/:name/credentials', async (input) =>
      afterAction(input, 'Rotate credentials', await actions.rotate(input.ctx, input.params.ns!, input.params.name!, dry(input))),
    ),
    route('POST', '/apps/:ns/:name/credentials/:cred/revoke', async (input) =>
      afterAction(input, 'Revoke credential', await actions.revoke(input.ctx, input.params.ns!, input.params.name!, input.params.cred!, dry(input))),
    ),
    route('POST', '/apps/:ns/:name/subscriptions', async (input) => {
      const [product, plan] = str(input.body.productPlan).split('|');
      return afterAction(input, 'Subscribe', await actions.subscribe(input.ctx, input.params.ns!, input.params.name!, { product, plan }, dry(input)));
    }),
    route('POST', '/subscribe', async (input) => {
      const [ns, name] = str(input.body.application).split('/');
      if (!ns || !name) throw new PortalError(400, 'invalid', 'application: choose one of your applications');
      return afterAction(input, 'Subscribe', await actions.subscribe(input.ctx, ns, name, input.body, dry(input)));
    }),
    route('POST', '/apps/:ns/:name/subscriptions/:sub/delete', async (input) =>
      afterAction(input, 'Unsubscribe', await actions.unsubscribe(input.ctx, input.params.ns!, input.params.name!, input.params.sub!, dry(input))),
    ),
    route('GET', '/approvals', ({ ctx, frame }) => ({ html: approvalsPage(frame, actions.pendingApprovals(ctx)) })),
    route('POST', '/approvals/:ns/:name', async (input) =>
      afterAction(input, 'Decision', await actions.decide(input.ctx, input.params.ns!, input.params.name!, input.body, dry(input))),
    ),
  ];
}
