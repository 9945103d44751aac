import type { PortalApplication, PortalSubscription } from '../../operator/portal-view/portal-view.ts';
import type { ApplicationDetail } from '../actions/actions.ts';
import type { ShownCredential } from '../actions/context.ts';
import type { Applied } from '../backend/backend.ts';
import { html, type Html } from '../html/html.ts';
import { badge, csrfField, dataTable, layout, phaseBadge, type PageFrame } from './layout.ts';

const yamlButton = html`<button type="submit" name="action" value="yaml" class="secondary">Show YAML</button>`;

export function appsPage(frame: PageFrame, apps: PortalApplication[]): Html {
  const teams = frame.user?.teams ?? [];
  const main = html`${dataTable(
      'Applications of your teams',
      ['Application', 'Namespace', 'Owner', 'Credentials'],
      apps.map(
        (a) =>
          html`<tr>
            <td><a href="/apps/${a.id}">${a.displayName}</a>${a.suspended ? badge('suspended', 'bad') : ''}</td>
            <td>${a.namespace}</td>
            <td>${a.owner}</td>
            <td>${a.credentials.filter((c) => c.state === 'Active').length} active</td>
          </tr>`,
      ),
    )}
    ${apps.length ? '' : html`<p>Your teams have no applications yet.</p>`}
    <h2>Create an application</h2>
    ${
      teams.length
        ? html`<form method="post" action="/apps" class="stack">
            ${csrfField(frame)}
            <label for="namespace">Team namespace</label>
            <select id="namespace" name="namespace">
              ${teams.map((t) => html`<option value="${t}">${t}</option>`)}
            </select>
            <label for="name">Name (lower-case letters, digits and hyphens)</label>
            <input id="name" name="name" required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" maxlength="63" autocomplete="off" />
            <label for="displayName">Display name</label>
            <input id="displayName" name="displayName" maxlength="100" />
            <label for="description">Description</label>
            <textarea id="description" name="description" maxlength="2000" rows="3"></textarea>
            <div class="buttons"><button type="submit" name="action" value="apply">Create application</button> ${yamlButton}</div>
          </form>`
        : html`<p>You are in no team (no group maps to a namespace), so you cannot create applications.</p>`
    }`;
  return layout(frame, 'My applications', main);
}

export function shownCredentials(shown: ShownCredential[]): Html {
  return html`${shown.map(
    (c) =>
      html`<section class="secret" aria-labelledby="secret-${c.name}">
        <h2 id="secret-${c.name}">New credential ${c.name}: copy it now</h2>
        <p>This is the only time the portal shows this secret.</p>
        <dl>
          <dt>Consumer key</dt>
          <dd><code id="consumer-key">${c.consumerKey}</code></dd>
          <dt>Consumer secret</dt>
          <dd><code id="consumer-secret">${c.consumerSecret}</code></dd>
        </dl>
      </section>`,
  )}`;
}

function credentialsTable(frame: PageFrame, d: ApplicationDetail): Html {
  const a = d.application;
  return html`${dataTable(
      'Credentials',
      ['Name', 'Key starts with', 'State', 'Issued', 'Expires', 'Action'],
      a.credentials.map(
        (c) =>
          html`<tr>
            <td>${c.name}</td>
            <td><code>${c.keyPrefix ?? '(being issued)'}</code></td>
            <td>${phaseBadge(c.state)}</td>
            <td>${c.issuedAt ?? ''}</td>
            <td>${c.expiresAt ?? 'never'}</td>
            <td>
              ${
                c.state === 'Revoked'
                  ? ''
                  : html`<form method="post" action="/apps/${a.id}/credentials/${c.name}/revoke">
                      ${csrfField(frame)}<button type="submit" name="action" value="apply" aria-label="Revoke credential ${c.name}">Revoke</button>
                      ${yamlButton}
                    </form>`
              }
            </td>
          </tr>`,
      ),
    )}
    <form method="post" action="/apps/${a.id}/credentials">
      ${csrfField(frame)}<button type="submit" name="action" value="apply">Rotate: issue a new key</button> ${yamlButton}
    </form>`;
}

function subscriptionRow(frame: PageFrame, appId: string, s: PortalSubscription & { productName: string }): Html {
  return html`<tr>
    <td><a href="/products/${s.product}">${s.productName}</a></td>
    <td>${s.plan || 'default'}</td>
    <td>
      ${phaseBadge(s.phase)}${s.approval?.reason ? html` <span class="meta">${s.approval.decision}: ${s.approval.reason}</span>` : ''}${s.problem ? html` <span class="meta">${s.problem}</span>` : ''}
    </td>
    <td>
      <form method="post" action="/apps/${appId}/subscriptions/${s.name}/delete">
        ${csrfField(frame)}<button type="submit" name="action" value="apply" aria-label="Unsubscribe from ${s.productName}">Unsubscribe</button> ${yamlButton}
      </form>
    </td>
  </tr>`;
}

export function appPage(frame: PageFrame, d: ApplicationDetail): Html {
  const a = d.application;
  const main = html`${shownCredentials(d.shown)}
    <p class="meta">Namespace ${a.namespace} · owner ${a.owner} ${a.suspended ? badge('suspended', 'bad') : ''}</p>
    ${a.problem ? html`<p class="warn">${a.problem}</p>` : ''} ${credentialsTable(frame, d)}
    <h2>Subscriptions</h2>
    ${dataTable(
      html`Subscriptions of ${a.displayName}`,
      ['Product', 'Plan', 'State', 'Action'],
      d.subscriptions.map((s) => subscriptionRow(frame, a.id, s)),
    )}
    <h2>Usage in the current window</h2>
    ${
      d.usage.length
        ? html`${dataTable(
            'Calls against each quota',
            ['Product', 'Plan', 'Calls', 'Window ends'],
            d.usage.map(
              (u) =>
                html`<tr>
                  <td>${u.product}</td>
                  <td>${u.plan || 'default'}</td>
                  <td><span class="usage" data-subscription="${u.subscription}">${u.used} of ${u.limit}</span></td>
                  <td>${u.windowEnd}</td>
                </tr>`,
            ),
          )}`
        : html`<p>No active subscription with a quota.</p>`
    }
    <h2>Subscribe to a product</h2>
    <form method="post" action="/apps/${a.id}/subscriptions" class="stack">
      ${csrfField(frame)}
      <label for="product">Product and plan</label>
      <select id="product" name="productPlan">
        ${d.subscribable.map(
          (p) =>
            html`<optgroup label="${p.displayName}">
              ${p.plans.map((pl) => html`<option value="${p.id}|${pl.name}">${p.displayName}: ${pl.displayName} (${pl.inWords})${p.approvalType === 'manual' ? ', needs approval' : ''}</option>`)}
            </optgroup>`,
        )}
      </select>
      <div class="buttons"><button type="submit" name="action" value="apply">Subscribe</button> ${yamlButton}</div>
    </form>`;
  return layout(frame, a.displayName, main);
}

export function yamlPage(frame: PageFrame, title: string, applied: Applied, back: string, shown?: ShownCredential): Html {
  const main = html`${shown ? shownCredentials([shown]) : ''}
    <p>
      ${applied.dryRun ? html`Nothing was applied. This is what the action would write to <code>${applied.target}</code>; commit it yourself or open a pull request:` : html`Applied to <code>${applied.target}</code>:`}
    </p>
    <pre class="yaml" tabindex="0" aria-label="YAML">${applied.yaml}</pre>
    <p><a href="${back}">Back</a></p>`;
  return layout(frame, title, main);
}

export function approvalsPage(frame: PageFrame, pending: Array<PortalSubscription & { productName: string }>): Html {
  const main = html`${pending.length ? '' : html`<p>No subscription waits for approval.</p>`}
    <ul class="cards">
      ${pending.map(
        (s) =>
          html`<li class="card">
            <h2>${s.application} → ${s.productName}</h2>
            <p class="meta">Subscription ${s.id} · plan ${s.plan || 'default'}</p>
            <form method="post" action="/approvals/${s.namespace}/${s.name}" class="stack">
              ${csrfField(frame)} <label for="reason-${s.namespace}-${s.name}">Reason</label
              ><input id="reason-${s.namespace}-${s.name}" name="reason" maxlength="500" />
              <div class="buttons">
                <button type="submit" name="decision" value="Approved">Approve</button>
                <button type="submit" name="decision" value="Rejected" class="secondary">Reject</button>
              </div>
            </form>
          </li>`,
      )}
    </ul>`;
  return layout(frame, 'Pending subscriptions', main);
}

export function messagePage(frame: PageFrame, title: string, message: string, status: number): Html {
  return layout(
    frame,
    title,
    html`<p>${message}</p>
      <p class="meta">HTTP ${status}</p>
      <p><a href="/">Back to the catalogue</a></p>`,
  );
}
