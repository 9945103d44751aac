import { userFromClaims, type GroupMapping } from '../access/user.ts';
import type { OidcSignIn } from '../auth/oidc.ts';
import { newToken } from '../auth/session.ts';
import { PortalError } from '../backend/portal-error.ts';
import { signInPage } from '../pages/sign-in-page.ts';
import { route, type Route } from './router.ts';

/** Only a path on this portal: never `//host` or `/\host`, which browsers read as another origin. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length <= 500 ? value : '/';
}

export interface AuthRouteOptions {
  oidc: OidcSignIn | undefined;
  /** tollgate dev's sign-in without an IdP. */
  localSignIn: boolean;
  mapping: GroupMapping;
}

export function authRoutes(o: AuthRouteOptions): Route[] {
  const routes: Route[] = [
    route('GET', '/sign-in', ({ url, frame }) => ({
      html: signInPage(frame, { oidc: !!o.oidc, local: o.localSignIn, returnTo: safeReturnTo(url.searchParams.get('returnTo')) }),
    })),
    // A new session (and CSRF token) on every sign-in and sign-out: nothing carries across identities.
    route('POST', '/sign-out', ({ setSession }) => {
      setSession({ csrf: newToken() });
      return { redirect: '/' };
    }),
  ];
  if (o.localSignIn) {
    routes.push(
      route('POST', '/sign-in/local', ({ body, setSession }) => {
        const user = typeof body.user === 'string' ? body.user.trim() : '';
        if (!user || user.length > 200) throw new PortalError(400, 'invalid', 'user: give a name or e-mail');
        const teams = String(body.teams ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const groups = [...teams.map((t) => `${o.mapping.teamPrefix}${t}`), ...(body.approver === 'yes' ? [o.mapping.approverGroup] : [])];
        const signed = userFromClaims({ sub: user, ...(user.includes('@') ? { email: user } : {}), name: user, groups }, o.mapping);
        setSession({ csrf: newToken(), ...(signed ? { user: signed } : {}) });
        return { redirect: safeReturnTo(body.returnTo) };
      }),
    );
  }
  if (o.oidc) {
    const oidc = o.oidc;
    routes.push(
      route('GET', '/auth/login', async ({ url, session, setSession }) => {
        const { url: to, login } = await oidc.start(safeReturnTo(url.searchParams.get('returnTo')));
        setSession({ ...session, login });
        return { redirect: to, status: 302 };
      }),
      route('GET', '/auth/callback', async ({ url, session, setSession }) => {
        if (!session.login) throw new PortalError(400, 'no-sign-in', 'no sign-in is in progress in this browser; start again');
        const user = await oidc.finish(url, session.login);
        setSession({ csrf: newToken(), user });
        return { redirect: session.login.returnTo };
      }),
    );
  }
  return routes;
}
