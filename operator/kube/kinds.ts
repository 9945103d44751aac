import type { Kind } from '../resources/types.ts';

export const GROUP = 'tollgate.dev';
export const VERSION = 'v1alpha1';

/** The REST plural of each kind, as the CRDs name them. */
export const PLURALS: Record<Kind, string> = {
  API: 'apis',
  APIProduct: 'apiproducts',
  Application: 'applications',
  Subscription: 'subscriptions',
};

/** Label on every Secret the operator writes, and the selector its Secret informers use. */
export const CREDENTIAL_LABEL = 'tollgate.dev/credential';
export const APPLICATION_LABEL = 'tollgate.dev/application';
export const ISSUED_AT_ANNOTATION = 'tollgate.dev/issued-at';
export const FIELD_MANAGER = 'tollgate-operator';
