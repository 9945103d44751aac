import * as client from 'openid-client';
import { PortalError } from '../backend/portal-error.ts';
import { userFromClaims, type GroupMapping, type PortalUser } from '../access/user.ts';
import type { Session } from './session.ts';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The portal's own origin: the redirect URI is `<origin>/auth/callback`. */
  portalOrigin: string;
  groupsClaim: string;
  scopes: string;
  mapping: GroupMapping;
}

export interface OidcSignIn {
  /** Starts a sign-in: the IdP URL to redirect to and what the session must remember. */
  start(returnTo: string): Promise<{ url: string; login: NonNullable<Session['login']> }>;
  /** Finishes it from the callback URL: checks state, nonce and PKCE, then reads the user's claims. */
  finish(callbackUrl: URL, login: NonNullable<Session['login']>): Promise<PortalUser>;
}

/**
 * OpenID Connect sign-in with openid-client: authorization code with PKCE (S256),
 * state and nonce; the groups claim from the ID token or, when the IdP keeps it
 * for the userinfo endpoint, from there. An `http:` issuer is allowed only on
 * loopback addresses (tests, a local IdP).
 */
export function oidcSignIn(o: OidcOptions): OidcSignIn {
  const issuer = new URL(o.issuer);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
  const options = issuer.protocol === 'http:' && loopback ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 };
  // Discovered at the first sign-in and kept; a failed discovery is tried again at the next, so the portal starts while its IdP is away.
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client.discovery(issuer, o.clientId, o.clientSecret, undefined, options).catch((e: unknown) => {
      discovered = undefined;
      throw new PortalError(503, 'idp-unavailable', `the identity provider ${o.issuer} did not answer: ${(e as Error).message}`, { cause: e });
    });
    return discovered;
  };
  const redirectUri = `${o.portalOrigin}/auth/callback`;
  return {
    async start(returnTo) {
      const config = await configuration();
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: o.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, login: { state, nonce, verifier, returnTo } };
    },
    async finish(callbackUrl, login) {
      const config = await configuration();
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: login.verifier,
          expectedState: login.state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        throw new PortalError(401, 'sign-in-failed', `the identity provider's answer was refused: ${(e as Error).message}`, { cause: e });
      }
      const idClaims: Record<string, unknown> = tokens.claims() ?? {};
      let claims: Record<string, unknown> = { ...idClaims };
      if (!(o.groupsClaim in claims) || !claims.email)
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))), ...claims };
      const user = userFromClaims(claims, o.mapping, o.groupsClaim);
      if (!user) throw new PortalError(401, 'sign-in-failed', 'the identity provider named no subject');
      return user;
    },
  };
}
