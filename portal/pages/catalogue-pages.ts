import type { PortalApi, PortalProduct } from '../../operator/portal-view/portal-view.ts';
import { html, type Html } from '../html/html.ts';
import { markdown } from '../html/markdown.ts';
import { badge, csrfField, dataTable, layout, type PageFrame } from './layout.ts';

function lifecycleBadges(p: PortalProduct): Html {
  const lifecycles = new Set(p.apis.map((a) => a.lifecycle));
  return html`${lifecycles.has('Deprecated') ? badge('Deprecated', 'warn') : ''}${lifecycles.has('Prototyped') ? badge('mock', 'info') : ''}`;
}

function productCard(p: PortalProduct): Html {
  return html`<li class="card">
    <h2><a href="/products/${p.namespace}/${p.name}">${p.displayName}</a></h2>
    <p class="meta">${badge(p.access)} ${badge(p.approvalType === 'manual' ? 'approval required' : 'instant access')} ${lifecycleBadges(p)}</p>
    ${p.description ? html`<div class="desc">${markdown(p.description)}</div>` : ''}
    <p class="meta">
      Plans:
      ${p.plans.map((pl) => pl.displayName).join(', ')}${p.categories.length ? html` · Categories: ${p.categories.join(', ')}` : ''}${p.tags.length ? html` · Tags: ${p.tags.join(', ')}` : ''}
    </p>
  </li>`;
}

export const PAGE_SIZE = 48;

/** Previous and next links that keep the search; plain links, so paging works without JavaScript. */
function pager(q: string, category: string, page: number, total: number): Html {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages === 1) return html``;
  const href = (n: number) => `/?${new URLSearchParams({ ...(q ? { q } : {}), ...(category ? { category } : {}), page: String(n) }).toString()}`;
  return html`<nav class="pager" aria-label="Pages">
    ${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">Previous</a>` : ''} <span>Page ${page} of ${pages}</span>
    ${page < pages ? html`<a href="${href(page + 1)}" rel="next">Next</a>` : ''}
  </nav>`;
}

export function cataloguePage(frame: PageFrame, q: string, category: string, categories: string[], products: PortalProduct[], page = 1): Html {
  const shown = products.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const main = html`<form class="search" method="get" action="/" role="search">
      <label for="q">Search products</label>
      <input id="q" name="q" type="search" value="${q}" />
      ${
        categories.length
          ? html`<label for="category">Category</label>
              <select id="category" name="category">
                <option value="">All</option>
                ${categories.map((c) => html`<option value="${c}" ${c === category ? html` selected` : ''}>${c}</option>`)}
              </select>`
          : ''
      }
      <button type="submit">Search</button>
    </form>
    <p aria-live="polite">${products.length} product${products.length === 1 ? '' : 's'}${q ? html` matching “${q}”` : ''}</p>
    <ul class="cards">
      ${shown.map(productCard)}
    </ul>
    ${pager(q, category, page, products.length)}`;
  return layout(frame, 'API catalogue', main);
}

function apiRow(p: PortalProduct, api: PortalProduct['apis'][number]): Html {
  const lifecycle = api.lifecycle === 'Prototyped' ? 'mock' : api.lifecycle === 'Published' ? undefined : api.lifecycle;
  return html`<li>
    <a href="/apis/${api.id}">${api.displayName} ${api.version}</a> ${badge(lifecycle, lifecycle === 'mock' ? 'info' : 'warn')}
    <ul>
      ${api.operations.map((o) => html`<li><code>${o}</code></li>`)}
    </ul>
  </li>`;
}

/** What an agent gets: the MCP endpoint and each tool, the ones that change things marked. */
function mcpSection(mcp: NonNullable<PortalProduct['mcp']>): Html {
  return html`<h2>MCP tools</h2>
    <p>Agents connect to <code>${mcp.endpoint}</code> (Model Context Protocol, Streamable HTTP) with the application's key or token.</p>
    <ul>
      ${mcp.tools.map(
        (t) =>
          html`<li>
            <code>${t.name}</code> ${t.destructive ? badge('changes data', 'warn') : ''}
            ${t.description}${t.scope ? html` (needs scope <code>${t.scope}</code>)` : ''}
          </li>`,
      )}
    </ul>`;
}

export function productPage(frame: PageFrame, p: PortalProduct, apis: PortalApi[], subscribeForm: Html): Html {
  const sunsets = apis.filter((a) => a.sunset).map((a) => html`<p class="warn">${a.displayName} ${a.version} is deprecated; it goes away on ${a.sunset}.</p>`);
  const main = html`<p class="meta">${badge(p.access)} ${badge(p.approvalType === 'manual' ? 'approval required' : 'instant access')} ${lifecycleBadges(p)}</p>
    ${sunsets} ${p.description ? html`<div class="desc">${markdown(p.description)}</div>` : ''}
    <h2>Plans</h2>
    ${dataTable(
      html`Plans of ${p.displayName}`,
      ['Plan', 'Limits', 'Description'],
      p.plans.map(
        (pl) =>
          html`<tr>
            <th scope="row">${pl.displayName}${pl.name === p.defaultPlan && p.plans.length > 1 ? ' (default)' : ''}</th>
            <td>${pl.inWords}</td>
            <td>${pl.description ?? ''}</td>
          </tr>`,
      ),
    )}
    <h2>APIs and operations</h2>
    <ul>
      ${p.apis.map((a) => apiRow(p, a))}
    </ul>
    ${p.mcp ? mcpSection(p.mcp) : ''} ${subscribeForm}`;
  return layout(frame, p.displayName, main);
}

export function subscribeFromProduct(frame: PageFrame, p: PortalProduct, apps: Array<{ id: string; displayName: string }>): Html {
  if (!frame.user) return html`<p><a href="/sign-in?returnTo=/products/${p.namespace}/${p.name}">Sign in</a> to subscribe.</p>`;
  if (!apps.length) return html`<p>None of your teams' applications may subscribe to this product. <a href="/apps">Create an application</a>.</p>`;
  return html`<h2>Subscribe</h2>
    <form method="post" class="stack" action="/subscribe">
      ${csrfField(frame)}<input type="hidden" name="product" value="${p.id}" />
      <label for="app">Application</label>
      <select id="app" name="application">
        ${apps.map((a) => html`<option value="${a.id}">${a.displayName} (${a.id})</option>`)}
      </select>
      <label for="plan">Plan</label>
      <select id="plan" name="plan">
        ${p.plans.map((pl) => html`<option value="${pl.name}" ${pl.name === p.defaultPlan ? html` selected` : ''}>${pl.displayName}: ${pl.inWords}</option>`)}
      </select>
      <div class="buttons">
        <button type="submit" name="action" value="apply">Subscribe</button>
        <button type="submit" name="action" value="yaml" class="secondary">Show YAML</button>
      </div>
    </form>`;
}

export function apiPage(frame: PageFrame, api: PortalApi, products: PortalProduct[]): Html {
  const doc = api.docs.document as { paths?: Record<string, Record<string, { summary?: string }>> };
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${api.basePath}${path === '/' ? '' : path}`),
  );
  const main = html`<p class="meta">
      Version ${api.version} · base path <code>${api.basePath}</code> ${badge(api.badge, api.badge === 'mock' ? 'info' : 'warn')}
    </p>
    ${api.sunset ? html`<p class="warn">Deprecated: this version goes away on ${api.sunset}.${api.deprecationLink ? html` <a href="${api.deprecationLink}">Why</a>` : ''}</p>` : ''}
    ${api.description ? html`<div class="desc">${markdown(api.description)}</div>` : ''}
    <p>
      In products: ${products.map((p, i) => html`${i ? ', ' : ''}<a href="/products/${p.namespace}/${p.name}">${p.displayName}</a>`)}.
      <a href="/apis/${api.id}/openapi.json">OpenAPI document</a>
    </p>
    <h2>Operations</h2>
    <ul>
      ${operations.map((o) => html`<li><code>${o}</code></li>`)}
    </ul>
    <h2>Reference and try-out</h2>
    <p>Authorize with your application's consumer key (header <code>apikey</code>) or an access token, then try an operation: it calls the gateway.</p>
    <div id="reference" data-spec="/apis/${api.id}/openapi.json">
      <noscript>The interactive reference needs JavaScript; the operations above and the OpenAPI document do not.</noscript>
    </div>
    <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
    <script src="/static/reference.js"></script>`;
  return layout(
    frame,
    `${api.displayName} ${api.version}`,
    main,
    html`<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css" /><link rel="stylesheet" href="/static/reference.css" />`,
  );
}
