import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { DEFAULT_GROUP_MAPPING, type GroupMapping } from './access/user.ts';
import { RedisLimitStore } from '../gateway/limits/redis-store.ts';
import { KubePortalBackend } from './backend/kube-backend.ts';
import { PortalViewPoller } from './backend/view-poller.ts';
import { createPortal, type Portal, type PortalOptions } from './server/create-portal.ts';

export interface RunPortalOptions {
  port: number;
  host: string;
  /** The operator's publisher, which serves the portal view. */
  operatorUrl: string;
  operatorToken?: string;
  kubeconfig?: string;
  publicOrigin?: string;
  gatewayOrigins: string[];
  oidc: NonNullable<PortalOptions['oidc']>;
  mapping?: GroupMapping;
  sessionKey?: Uint8Array;
  anonymous: boolean;
  /** The gateways' shared Redis, for each application's quota use; none: the portal shows no usage. */
  redisUrl?: string;
  /** The calendar the gateways' quota windows follow (their --time-zone). */
  timeZone?: string;
  logger: Logger;
}

/** `tollgate portal` in a cluster: the operator's portal view, OpenID Connect sign-in, changes through impersonation. */
export async function runPortal(o: RunPortalOptions): Promise<Portal & { poller: PortalViewPoller }> {
  const kc = new KubeConfig();
  if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
  else kc.loadFromDefault();
  const limits = o.redisUrl
    ? new RedisLimitStore({ url: o.redisUrl, ...(o.timeZone ? { timeZone: o.timeZone } : {}), onConnectionError: () => {} })
    : undefined;
  const poller = new PortalViewPoller(o.operatorUrl, { ...(o.operatorToken ? { token: o.operatorToken } : {}), logger: o.logger });
  await poller.start();
  const portal = await createPortal({
    port: o.port,
    host: o.host,
    backend: new KubePortalBackend(kc, () => poller.view(), limits),
    gatewayOrigins: o.gatewayOrigins,
    oidc: o.oidc,
    localSignIn: false,
    anonymous: o.anonymous,
    ready: () => poller.hasView(),
    mapping: o.mapping ?? DEFAULT_GROUP_MAPPING,
    ...(o.publicOrigin ? { publicOrigin: o.publicOrigin } : {}),
    ...(o.sessionKey ? { sessionKey: o.sessionKey } : {}),
    logger: o.logger,
  });
  return {
    ...portal,
    poller,
    close: async () => {
      poller.stop();
      await portal.close();
      await limits?.close();
    },
  };
}
