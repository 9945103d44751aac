import type { PortalUser } from '../access/user.ts';
import { html, type Html } from '../html/html.ts';

export interface PageFrame {
  user: PortalUser | undefined;
  csrf: string;
  /** `tollgate dev`: the banner says sign-in is local. */
  dev: boolean;
}

/** The page around every view: landmarks, a skip link, the navigation, one h1. */
export function layout(frame: PageFrame, title: string, main: Html, head: Html = html``): Html {
  const { user } = frame;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Tollgate developer portal</title>
        <link rel="stylesheet" href="/static/portal.css" />
        ${head}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <nav aria-label="Main">
            <a class="brand" href="/">Tollgate portal</a>
            <a href="/">Catalogue</a>
            ${user ? html`<a href="/apps">My applications</a>` : ''} ${user?.approver ? html`<a href="/approvals">Approvals</a>` : ''}
          </nav>
          <div class="who">
            ${
              user
                ? html`<span>Signed in as <strong>${user.name}</strong>${user.teams.length ? html` (teams: ${user.teams.join(', ')})` : ''}</span>
                    <form method="post" action="/sign-out">
                      <input type="hidden" name="_csrf" value="${frame.csrf}" /><button type="submit">Sign out</button>
                    </form>`
                : html`<a href="/sign-in">Sign in</a>`
            }
          </div>
        </header>
        ${frame.dev ? html`<aside class="dev-banner" aria-label="Development mode">tollgate dev: local portal. Changes are written as YAML files into the watched directory.</aside>` : ''}
        <main id="main">
          <h1>${title}</h1>
          ${main}
        </main>
      </body>
    </html>`;
}

export function csrfField(frame: PageFrame): Html {
  return html`<input type="hidden" name="_csrf" value="${frame.csrf}" />`;
}

/** A lifecycle or phase as a labelled badge. */
export function badge(text: string | undefined, kind = 'info'): Html {
  return text ? html`<span class="badge badge-${kind}">${text}</span>` : html``;
}

export function phaseBadge(phase: string): Html {
  const kind = phase === 'Active' ? 'ok' : phase === 'PendingApproval' ? 'warn' : 'bad';
  return badge(phase === 'PendingApproval' ? 'Pending approval' : phase, kind);
}

/** A list shown as a table: caption, one header per column, the rows as given (the shape of every table in the portal). */
export function dataTable(caption: Html | string, columns: readonly string[], rows: Html[]): Html {
  return html`<table>
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}
