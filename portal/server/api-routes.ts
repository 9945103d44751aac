import * as actions from '../actions/actions.ts';
import { route, type Reply, type Route, type RouteInput } from './router.ts';
import { PORTAL_OPENAPI } from '../api/openapi.ts';

const dry = (input: RouteInput) => input.url.searchParams.get('dryRun') === 'true';

function result(r: actions.ActionResult, status = 200): Reply {
  return {
    json: { dryRun: r.applied.dryRun, target: r.applied.target, yaml: r.applied.yaml, ...(r.shown ? { credential: r.shown } : {}) },
    status: r.applied.dryRun ? 200 : status,
    noStore: true,
  };
}

/** The JSON API under /api: everything the pages do, for scripts and a Backstage plugin (see /api/openapi.json). */
export function apiRoutes(): Route[] {
  return [
    route('GET', '/api/openapi.json', () => ({ json: PORTAL_OPENAPI })),
    route('GET', '/api/me', ({ ctx, session }) => ({ json: { user: ctx.user ?? null, csrfToken: session.csrf }, noStore: true })),
    route('GET', '/api/products', ({ ctx, url }) => {
      const { products, categories } = actions.catalogue(ctx, (url.searchParams.get('q') ?? '').slice(0, 200), url.searchParams.get('category') ?? '');
      // Paged like the catalogue page: at most 500 at a time, `offset` to go on.
      const limit = Math.min(Math.max(1, Math.floor(Number(url.searchParams.get('limit')) || 100)), 500);
      const offset = Math.max(0, Math.floor(Number(url.searchParams.get('offset')) || 0));
      return { json: { total: products.length, offset, limit, products: products.slice(offset, offset + limit), categories } };
    }),
    route('GET', '/api/products/:ns/:name', ({ ctx, params }) => ({ json: actions.product(ctx, params.ns!, params.name!) })),
    route('GET', '/api/apis/:ns/:name', ({ ctx, params }) => ({ json: actions.api(ctx, params.ns!, params.name!).api })),
    route('GET', '/api/applications', ({ ctx }) => ({ json: { applications: actions.myApplications(ctx) }, noStore: true })),
    route('POST', '/api/applications', async (input) => result(await actions.createApplication(input.ctx, input.body, dry(input)), 201)),
    route('GET', '/api/applications/:ns/:name', async ({ ctx, params }) => ({ json: await actions.application(ctx, params.ns!, params.name!), noStore: true })),
    route('POST', '/api/applications/:ns/:name/subscriptions', async (input) =>
      result(await actions.subscribe(input.ctx, input.params.ns!, input.params.name!, input.body, dry(input)), 201),
    ),
    route('DELETE', '/api/applications/:ns/:name/subscriptions/:sub', async (input) =>
      result(await actions.unsubscribe(input.ctx, input.params.ns!, input.params.name!, input.params.sub!, dry(input))),
    ),
    route('POST', '/api/applications/:ns/:name/credentials', async (input) =>
      result(await actions.rotate(input.ctx, input.params.ns!, input.params.name!, dry(input)), 201),
    ),
    route('POST', '/api/applications/:ns/:name/credentials/:cred/revoke', async (input) =>
      result(await actions.revoke(input.ctx, input.params.ns!, input.params.name!, input.params.cred!, dry(input))),
    ),
    route('GET', '/api/approvals', ({ ctx }) => ({ json: { pending: actions.pendingApprovals(ctx) }, noStore: true })),
    route('POST', '/api/approvals/:ns/:name', async (input) =>
      result(await actions.decide(input.ctx, input.params.ns!, input.params.name!, input.body, dry(input))),
    ),
  ];
}
