import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  email: string;
  name: string;
  groups: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers the portal's redirect URI and starts answering; before that only the port is bound. */
  start(portalOrigin: string): void;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider) in this process, on loopback. Its
 * development login form takes an account id as the login (any password);
 * consent is granted for the portal's scopes, as a first-party IdP would.
 */
export async function startTestIdp(accounts: Record<string, TestAccount>): Promise<TestIdp> {
  const server: Server = createServer((_req, res) => {
    res.statusCode = 503;
    res.end('not started');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'tollgate-portal';
  const clientSecret = 'portal-test-secret-0123456789abcdef';
  return {
    issuer,
    clientId,
    clientSecret,
    start(portalOrigin) {
      const provider = new Provider(issuer, configuration(accounts, { clientId, clientSecret, redirect: `${portalOrigin}/auth/callback` }));
      const callback = provider.callback();
      server.removeAllListeners('request');
      server.on('request', (req, res) => void callback(req, res));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function configuration(accounts: Record<string, TestAccount>, c: { clientId: string; clientSecret: string; redirect: string }): Configuration {
  return {
    clients: [
      { client_id: c.clientId, client_secret: c.clientSecret, redirect_uris: [c.redirect], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  };
}
