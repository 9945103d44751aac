import { html, type Html } from '../html/html.ts';
import { csrfField, layout, type PageFrame } from './layout.ts';

export function signInPage(frame: PageFrame, options: { oidc: boolean; local: boolean; returnTo: string }): Html {
  const main = html`${options.oidc ? html`<p><a class="button" href="/auth/login?returnTo=${encodeURIComponent(options.returnTo)}">Sign in with your organisation's identity provider</a></p>` : ''}
  ${
    options.local
      ? html`<section class="local-sign-in" aria-labelledby="local-title">
          <h2 id="local-title">Local sign-in (tollgate dev only: no identity provider, no password)</h2>
          <p>Anyone who can reach this port can sign in as anyone. It exists for trying the portal on one machine.</p>
          <form method="post" action="/sign-in/local" class="stack">
            ${csrfField(frame)}<input type="hidden" name="returnTo" value="${options.returnTo}" /> <label for="user">User (e-mail)</label
            ><input id="user" name="user" required maxlength="200" value="dev@example.com" autocomplete="username" />
            <label for="teams">Team namespaces (comma-separated)</label><input id="teams" name="teams" maxlength="500" />
            <div><input id="approver" name="approver" type="checkbox" value="yes" /> <label for="approver">Member of tollgate:approvers</label></div>
            <button type="submit">Sign in locally</button>
          </form>
        </section>`
      : ''
  }`;
  return layout(frame, 'Sign in', main);
}
