import type { PortalView } from '../../operator/portal-view/portal-view.ts';
import type { PortalUser } from '../access/user.ts';
import type { Change } from './changes.ts';

/** What an action did (or, on a dry run, would do): the YAML it applies, for teams that prefer a pull request. */
export interface Applied {
  yaml: string;
  /** Where: a file in dev mode, the API server path in a cluster. */
  target: string;
  dryRun: boolean;
}

export interface RevealedCredential {
  consumerKey: string;
  consumerSecret: string;
}

export interface QuotaUse {
  subscription: string;
  product: string;
  plan: string;
  used: number;
  limit: number;
  windowEnd: string;
}

/**
 * Where the portal reads its view and applies its changes: dev mode's files, or
 * the API server as the signed-in developer. Refusals are PortalErrors.
 */
export interface PortalBackend {
  readonly mode: 'dev' | 'cluster';
  view(): PortalView;
  apply(user: PortalUser, change: Change, dryRun: boolean): Promise<Applied>;
  /** The consumer key and secret of a credential, from its Secret (or dev mode's store), read as the user. */
  reveal(user: PortalUser, application: string, credential: string): Promise<RevealedCredential | undefined>;
  /** Each quota's use in its current window, for the subscriptions given (active ones). */
  usage(
    application: string,
    subscriptions: Array<{ id: string; product: string; plan: string; quota: { limit: number; interval: number; timeUnit: string } }>,
  ): Promise<QuotaUse[]>;
  /** Resolves true once the view satisfies `done`, false after `timeoutMs`. */
  settled(done: (view: PortalView) => boolean, timeoutMs: number): Promise<boolean>;
}
