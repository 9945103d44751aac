// The snapshot contract: everything a gateway needs to route, authenticate,
// authorise and limit, and nothing secret (credentials appear only as hashes).
// The gateway owns this contract; the operator and `tollgate dev` produce it.
// Every field is spelled out so that a gateway never has to apply defaults.

export const SNAPSHOT_SCHEMA = 'tollgate.dev/snapshot/v1';

export interface Snapshot {
  schema: typeof SNAPSHOT_SCHEMA;
  /** `sha256:<hex>` of the canonical JSON of every other field: equal content, equal version. */
  version: string;
  /**
   * Sorted by host, base path, then API. A (host, basePath) pair appears once, or
   * once per API when those APIs' environments are non-empty and disjoint (one
   * upstream per environment); a gateway routes it to the API of its own environment.
   */
  routes: Route[];
  apis: Api[];
  products: Product[];
  applications: Application[];
  /** Active subscriptions only, per application in the order authorisation tries them. */
  subscriptions: Subscription[];
  /** Pending, rejected and revoked subscriptions: never authorise, only name the refusal. */
  inactiveSubscriptions: InactiveSubscription[];
  /** The built-in token service's issuer and public keys; absent when it is off. */
  tokens?: TokenIssuer;
}

export interface Route {
  /** Lower-case host name, or `*` for any host. */
  host: string;
  /** `/hello/1.0.0`, or `/hello` for the default version. Never ends in `/`. */
  basePath: string;
  api: string;
}

export type Lifecycle = 'Prototyped' | 'Published' | 'Deprecated' | 'Retired' | 'Blocked';

export interface Api {
  /** `namespace/name` */
  id: string;
  namespace: string;
  name: string;
  displayName: string;
  context: string;
  version: string;
  lifecycle: Lifecycle;
  /** RFC 3339 time for the `Sunset` header of a Deprecated or Retired API. */
  sunset?: string;
  /** RFC 3339 time the API was deprecated, for the `Deprecation` header (RFC 9745) of a Deprecated or Retired API. */
  deprecatedAt?: string;
  /** Where the deprecation is explained, sent as `Link: <…>; rel="deprecation"`. */
  deprecationLink?: string;
  /** Environments the API is deployed to; empty means every environment. */
  environments: string[];
  upstream: Upstream;
  /** Declared operations; absent means every path and method. */
  operations?: ApiOperation[];
  auth: ApiAuth;
  cors?: Cors;
}

export interface Upstream {
  urls: string[];
  connectTimeoutMs: number;
  timeoutMs: number;
  /** Extra attempts for idempotent methods, never after response bytes. */
  retries: number;
  tls?: UpstreamTls;
}

export interface UpstreamTls {
  insecureSkipVerify: boolean;
  serverName?: string;
  /** PEM CA bundle (public material). */
  caBundle?: string;
}

/**
 * A path pattern relative to an API's base path, split into segments.
 * `*` in `segments` matches exactly one non-empty segment. `rest` says what may follow:
 * - `none`: nothing (a literal path, `/*`, `/a/{id}`)
 * - `oneOrMore`: one or more further segments (Apigee `/**`)
 * - `any`: zero or more further segments (Apigee `/`: the base path and everything under it)
 */
export interface PathMatch {
  /** The pattern as the user wrote it, for messages and the plan. */
  pattern: string;
  segments: string[];
  rest: 'none' | 'oneOrMore' | 'any';
}

export interface ApiOperation {
  match: PathMatch;
  /** Upper-case methods; empty means every method. */
  methods: string[];
}

export interface ApiAuth {
  /** False for Prototyped APIs and APIs that declare `auth.none`. */
  required: boolean;
  apiKey?: { header: string; queryParameter?: string };
  /** Accept access tokens from the built-in token service. */
  oauth2: boolean;
  issuers: JwtIssuer[];
}

export interface JwtIssuer {
  issuer: string;
  jwksUri: string;
  audiences: string[];
  algorithms: string[];
  /** Claim that names the client, mapped to an application through its externalClients. */
  clientIdClaim: string;
}

export interface Cors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds: number;
}

export type TimeUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

export interface Quota {
  limit: number;
  interval: number;
  timeUnit: TimeUnit;
}

/** Spike arrest: `requests` per `per`, allowing `burst` at once. */
export interface RateLimit {
  requests: number;
  per: 'second' | 'minute';
  burst: number;
}

export interface Product {
  id: string;
  namespace: string;
  name: string;
  displayName: string;
  /** Empty means every environment. */
  environments: string[];
  /** A bearer token must carry at least one of these; empty means no scope is needed. */
  scopes: string[];
  /** Whether an API key, which carries no scopes, may use this product. */
  apiKeys: 'Allowed' | 'Refused';
  /** Who may subscribe; only public products' scopes are advertised. */
  access: 'public' | 'private' | 'internal';
  operations: ProductOperation[];
  /** What to do when the shared quota store cannot be reached. */
  quotaFailureMode: 'open' | 'closed';
}

export interface ProductOperation {
  api: string;
  paths: PathMatch[];
  /** Upper-case methods; empty means every method. */
  methods: string[];
  /** Overrides the subscription's quota and is counted for this operation alone. */
  quota?: Quota;
}

export interface Application {
  id: string;
  namespace: string;
  name: string;
  /** Why the application is refused everywhere, if it is. */
  suspended?: 'Application' | 'Owner';
  credentials: Credential[];
  externalClients: ExternalClient[];
}

export interface Credential {
  name: string;
  /** `sha256:<hex>` of the consumer key. */
  keyHash: string;
  /** `sha256:<hex>` of the consumer secret, for the token endpoint. */
  secretHash?: string;
  revoked: boolean;
  /** RFC 3339; absent means the credential does not expire. */
  expiresAt?: string;
}

export interface ExternalClient {
  issuer: string;
  clientId: string;
}

export interface Subscription {
  /** `namespace/name` of the Subscription object. */
  id: string;
  application: string;
  product: string;
  /** The plan in force, when the product has plans. */
  plan?: string;
  /** Effective limits from the plan or the product; absent means unlimited. */
  quota?: Quota;
  rateLimit?: RateLimit;
}

export interface InactiveSubscription {
  id: string;
  application: string;
  product: string;
  state: 'PendingApproval' | 'Rejected' | 'Revoked';
}

export interface TokenIssuer {
  issuer: string;
  audience: string;
  /** Public JWKs (kid, kty, alg, ...) that verify the service's access tokens. */
  keys: Array<Record<string, unknown>>;
}
