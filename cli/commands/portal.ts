import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import { pino } from 'pino';

interface PortalCommandOptions {
  port: number;
  host: string;
  operator: string;
  operatorTokenFile?: string;
  kubeconfig?: string;
  publicUrl?: string;
  gatewayUrl: string[];
  oidcIssuer: string;
  oidcClientId: string;
  oidcClientSecretFile?: string;
  oidcScopes: string;
  groupsClaim: string;
  teamGroupPrefix: string;
  approverGroup: string;
  sessionKeyFile?: string;
  anonymous: boolean;
  redis?: string;
  timeZone: string;
}

const readSecret = (file: string | undefined) => (file ? readFileSync(file, 'utf8').trim() : undefined);

/** Adds `tollgate portal`: the developer portal in a cluster. */
export function registerPortalCommand(program: Command): Command {
  return program
    .command('portal')
    .description('the developer portal: catalogue, sign-in with OpenID Connect, applications and subscriptions as the signed-in developer')
    .addOption(new Option('--port <port>', 'listen port').default(8090).argParser(Number))
    .option('--host <address>', 'listen address', '0.0.0.0')
    .requiredOption('--operator <url>', "the operator's publisher, which serves the portal view (e.g. http://tollgate-operator:8081)")
    .option('--operator-token-file <file>', "the publisher's bearer token")
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster / KUBECONFIG); its identity may only impersonate')
    .option('--public-url <url>', 'the origin developers reach the portal at (redirect URI, cookies); https in production')
    .option('--gateway-url <url...>', 'gateway origins the try-out console may call', [])
    .requiredOption('--oidc-issuer <url>', "the organisation's OpenID provider")
    .requiredOption('--oidc-client-id <id>', 'the portal’s client id at the IdP')
    .option('--oidc-client-secret-file <file>', 'its client secret')
    .option('--oidc-scopes <scopes>', 'scopes to request', 'openid email profile groups')
    .option('--groups-claim <claim>', 'the claim that lists the developer’s groups', 'groups')
    .option('--team-group-prefix <prefix>', 'a group <prefix><namespace> acts in that namespace', 'tollgate:team:')
    .option('--approver-group <group>', 'members approve and reject subscriptions', 'tollgate:approvers')
    .option('--session-key-file <file>', 'a secret that keys the session cookies (so replicas share sessions); random per process when unset')
    .option('--anonymous', 'list public products to visitors who are not signed in', false)
    .addOption(new Option('--redis <url>', "the gateways' shared Redis (their --redis), read for each application's quota use").env('TOLLGATE_REDIS_URL'))
    .option('--time-zone <zone>', "the calendar the gateways' quota windows follow (their --time-zone)", 'UTC')
    .action(async (o: PortalCommandOptions) => {
      const { runPortal } = await import('../../portal/run-portal.ts');
      const logger = pino({ name: 'tollgate-portal' });
      const sessionSecret = readSecret(o.sessionKeyFile);
      const clientSecret = readSecret(o.oidcClientSecretFile);
      const operatorToken = readSecret(o.operatorTokenFile);
      const portal = await runPortal({
        port: o.port,
        host: o.host,
        operatorUrl: o.operator,
        ...(operatorToken ? { operatorToken } : {}),
        ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
        ...(o.publicUrl ? { publicOrigin: new URL(o.publicUrl).origin } : {}),
        gatewayOrigins: o.gatewayUrl.map((u) => new URL(u).origin),
        oidc: { issuer: o.oidcIssuer, clientId: o.oidcClientId, ...(clientSecret ? { clientSecret } : {}), scopes: o.oidcScopes, groupsClaim: o.groupsClaim },
        mapping: { teamPrefix: o.teamGroupPrefix, approverGroup: o.approverGroup },
        // Any length of secret becomes the 32-byte key A256GCM needs.
        ...(sessionSecret ? { sessionKey: createHash('sha256').update(sessionSecret).digest() } : {}),
        anonymous: o.anonymous,
        ...(o.redis ? { redisUrl: o.redis } : {}),
        timeZone: o.timeZone,
        logger,
      });
      logger.info({ url: portal.url }, 'portal serving');
      const stop = async () => {
        await portal.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
