// validateObject on in-memory objects: the same rules the API server applies
// (structural schema with defaults, strict unknown fields, list keys, CEL rules,
// metadata names), each problem with its code and field path.
import { describe, expect, it } from 'vitest';
import { isTollgateKind, tollgateKinds, validateObject, type FieldProblem } from './object-validator.ts';

const V = 'tollgate.dev/v1alpha1';
type Obj = Record<string, unknown>;

const api = (spec: Obj = {}, metadata: Obj = { name: 'hello', namespace: 'platform' }): Obj => ({
  apiVersion: V,
  kind: 'API',
  metadata,
  spec: { context: '/hello', version: '1.0.0', upstream: { urls: ['http://hello.platform.svc'] }, ...spec },
});
const product = (spec: Obj = {}, metadata: Obj = { name: 'hello', namespace: 'platform' }): Obj => ({
  apiVersion: V,
  kind: 'APIProduct',
  metadata,
  spec: { operations: [{ api: 'hello' }], ...spec },
});
const application = (spec: Obj = {}, metadata: Obj = { name: 'app', namespace: 'team' }): Obj => ({
  apiVersion: V,
  kind: 'Application',
  metadata,
  spec: { owner: { email: 'dev@team.example' }, ...spec },
});
const subscription = (spec: Obj = {}, metadata: Obj = { name: 'sub', namespace: 'team' }): Obj => ({
  apiVersion: V,
  kind: 'Subscription',
  metadata,
  spec: { application: 'app', product: { name: 'hello', namespace: 'platform' }, ...spec },
});

const problemsOf = (o: Obj) => validateObject(o, 'default').problems;

describe('validateObject: kinds', () => {
  it('knows the four kinds from crds/', () => {
    expect(
      tollgateKinds()
        .map((k) => k.kind)
        .sort(),
    ).toEqual(['API', 'APIProduct', 'Application', 'Subscription']);
    expect(isTollgateKind('APIProduct')).toBe(true);
    expect(isTollgateKind('Secret')).toBe(false);
    expect(isTollgateKind('api')).toBe(false);
  });

  it.each([
    ['API', api()],
    ['APIProduct', product()],
    ['Application', application()],
    ['Subscription (its update-only oldSelf rule is skipped on create)', subscription()],
  ])('accepts a minimal valid %s', (_kind, o) => {
    const r = validateObject(o, 'default');
    expect(r.problems).toEqual([]);
    expect(r.object).toBeDefined();
  });
});

interface ProblemRow {
  name: string;
  object: Obj;
  problems: Array<Omit<FieldProblem, 'message'> & { message?: string | RegExp }>;
}

const rows: ProblemRow[] = [
  {
    name: 'spec missing',
    object: { apiVersion: V, kind: 'API', metadata: { name: 'x' } },
    problems: [{ code: 'SchemaViolation', path: ['spec'], message: 'Required value' }],
  },
  {
    name: 'required field missing (nested)',
    object: application({ owner: { name: 'No Email' } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'owner', 'email'], message: 'Required value' }],
  },
  {
    name: 'required fields missing in approval, all reported',
    object: subscription({ approval: { decision: 'Approved' } }),
    problems: [
      { code: 'SchemaViolation', path: ['spec', 'approval', 'by'], message: 'Required value' },
      { code: 'SchemaViolation', path: ['spec', 'approval', 'at'], message: 'Required value' },
    ],
  },
  {
    name: 'unknown field in spec',
    object: api({ basePath: '/hello' }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'basePath'], message: 'unknown field "basePath"' }],
  },
  {
    name: 'unknown top-level field',
    object: { ...api(), specs: {} },
    problems: [{ code: 'SchemaViolation', path: ['specs'], message: 'unknown field "specs"' }],
  },
  {
    name: 'enum',
    object: product({ approvalType: 'automatic' }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'approvalType'], message: 'Unsupported value: must be one of "auto", "manual"' }],
  },
  {
    name: 'enum in a nested object',
    object: product({ quota: { limit: 10, timeUnit: 'fortnight' } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'quota', 'timeUnit'], message: /must be one of "minute", "hour", "day", "week", "month", "year"/ }],
  },
  {
    name: 'pattern: context without a leading slash',
    object: api({ context: 'hello' }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'context'], message: /^Invalid value: must match/ }],
  },
  {
    name: 'pattern: a product path with a {param} template (products use * and **)',
    object: product({ operations: [{ api: 'hello', paths: ['/users/{id}'] }] }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'operations', 0, 'paths', 0], message: /must match/ }],
  },
  {
    name: 'pattern: ** in the middle of an operation path',
    object: api({ operations: [{ path: '/a/**/b' }] }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'operations', 0, 'path'], message: /must match/ }],
  },
  {
    name: 'pattern: upper-case host',
    object: api({ hosts: ['API.example.com'] }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'hosts', 0], message: /must match/ }],
  },
  {
    name: 'pattern: owner email',
    object: application({ owner: { email: 'not-an-email' } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'owner', 'email'], message: /must match/ }],
  },
  {
    name: 'minimum',
    object: product({ quota: { limit: -1, timeUnit: 'day' } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'quota', 'limit'], message: /must be >= 0/ }],
  },
  {
    name: 'maximum',
    object: api({ upstream: { urls: ['http://x'], retries: 6 } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'upstream', 'retries'], message: /must be <= 5/ }],
  },
  {
    name: 'minItems: a product without operations',
    object: product({ operations: [] }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'operations'], message: /fewer than 1 items/ }],
  },
  {
    name: 'type: a number where a string belongs',
    object: api({ version: 1 }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'version'], message: /must be string/ }],
  },
  {
    name: 'format date-time',
    object: subscription({ approval: { decision: 'Approved', by: 'alice', at: 'yesterday' } }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'approval', 'at'], message: /date-time/ }],
  },
  {
    name: 'uniqueItems in a set list: the later duplicate is flagged',
    object: product({ scopes: ['read', 'write', 'read'] }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'scopes', 2], message: 'Duplicate value (same as index 0)' }],
  },
  {
    name: 'list-map key: two operations with the same path',
    object: api({ operations: [{ path: '/users' }, { path: '/users/*' }, { path: '/users', methods: ['POST'] }] }),
    problems: [{ code: 'DuplicateKey', path: ['spec', 'operations', 2], message: 'duplicate entry for path="/users" (first at index 0)' }],
  },
  {
    name: 'list-map key: two plans with the same name',
    object: product({ plans: [{ name: 'Gold' }, { name: 'Gold' }] }),
    problems: [{ code: 'DuplicateKey', path: ['spec', 'plans', 1], message: 'duplicate entry for name="Gold" (first at index 0)' }],
  },
  {
    name: 'list-map key: two credentials with the same name',
    object: application({ credentials: [{ name: 'main' }, { name: 'main', revoked: true }] }),
    problems: [{ code: 'DuplicateKey', path: ['spec', 'credentials', 1] }],
  },
  {
    name: 'list-map key: two JWT issuers with the same issuer',
    object: api({
      auth: {
        jwt: [
          { issuer: 'https://a/', jwksUri: 'https://a/jwks' },
          { issuer: 'https://a/', jwksUri: 'https://b/jwks' },
        ],
      },
    }),
    problems: [{ code: 'DuplicateKey', path: ['spec', 'auth', 'jwt', 1] }],
  },
  {
    name: 'list-map with two keys: only the same (issuer, clientId) pair is a duplicate',
    object: application({
      externalClients: [
        { issuer: 'https://a/', clientId: 'one' },
        { issuer: 'https://a/', clientId: 'two' },
        { issuer: 'https://b/', clientId: 'one' },
        { issuer: 'https://a/', clientId: 'one' },
      ],
    }),
    problems: [
      { code: 'DuplicateKey', path: ['spec', 'externalClients', 3], message: 'duplicate entry for issuer="https://a/", clientId="one" (first at index 0)' },
    ],
  },
  {
    name: 'CEL: allowedNamespaces on a public product',
    object: product({ access: 'public', allowedNamespaces: ['team'] }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'allowedNamespaces'], message: /public product is open to every namespace/ }],
  },
  {
    name: 'CEL: defaultPlan naming no plan',
    object: product({ plans: [{ name: 'Gold' }, { name: 'Bronze' }], defaultPlan: 'Silver' }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'defaultPlan'], message: 'defaultPlan must name one of plans' }],
  },
  {
    name: 'CEL: defaultPlan without plans',
    object: product({ defaultPlan: 'Gold' }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'defaultPlan'], message: 'defaultPlan must name one of plans' }],
  },
  {
    name: 'CEL: a credential with both expiresIn and expiresAt (in the second list item)',
    object: application({ credentials: [{ name: 'a' }, { name: 'b', expiresIn: '30d', expiresAt: '2026-06-01T00:00:00Z' }] }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'credentials', 1, 'expiresAt'], message: 'set expiresIn or expiresAt, not both' }],
  },
  {
    name: 'CEL: cors allowCredentials with the * origin',
    object: api({ cors: { allowOrigins: ['*'], allowCredentials: true } }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'cors', 'allowOrigins'], message: 'allowCredentials cannot be combined with the wildcard origin' }],
  },
  {
    name: 'CEL: sunset on a Published API',
    object: api({ lifecycle: 'Published', sunset: '2026-06-30T00:00:00Z' }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'sunset'], message: 'sunset is only meaningful for a Deprecated or Retired API' }],
  },
  {
    name: 'CEL: sunset on an API whose lifecycle is left to its default (Published)',
    object: api({ sunset: '2026-06-30T00:00:00Z' }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'sunset'] }],
  },
  {
    name: 'CEL: deprecatedAt on a Published API',
    object: api({ lifecycle: 'Published', deprecatedAt: '2026-01-01T00:00:00Z' }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'deprecatedAt'], message: 'deprecatedAt is only meaningful for a Deprecated or Retired API' }],
  },
  {
    name: 'deprecationLink that could break out of the Link header',
    object: api({ lifecycle: 'Deprecated', deprecationLink: 'https://docs.example/a> ; rel="x' }),
    problems: [{ code: 'SchemaViolation', path: ['spec', 'deprecationLink'] }],
  },
  {
    name: 'CEL: auth.none with JWT issuers',
    object: api({ auth: { none: true, jwt: [{ issuer: 'https://a/', jwksUri: 'https://a/jwks' }] } }),
    problems: [{ code: 'RuleViolation', path: ['spec', 'auth', 'jwt'], message: /auth\.none accepts no credentials/ }],
  },
  {
    name: 'two CEL rules broken at once: both reported',
    object: product({ allowedNamespaces: ['team'], defaultPlan: 'Gold' }),
    problems: [
      { code: 'RuleViolation', path: ['spec', 'allowedNamespaces'] },
      { code: 'RuleViolation', path: ['spec', 'defaultPlan'] },
    ],
  },
  {
    name: 'metadata.name missing',
    object: api({}, { namespace: 'platform' }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'], message: 'Required value' }],
  },
  {
    name: 'metadata missing altogether',
    object: { apiVersion: V, kind: 'API', spec: api().spec },
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'], message: 'Required value' }],
  },
  {
    name: 'metadata.name empty',
    object: api({}, { name: '' }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'], message: 'Required value' }],
  },
  {
    name: 'metadata.name with upper case and underscore',
    object: api({}, { name: 'Hello_World' }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'], message: 'Invalid value "Hello_World": must be a lower-case RFC 1123 subdomain' }],
  },
  {
    name: 'metadata.name too long (254 characters)',
    object: api({}, { name: 'a'.repeat(254) }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'] }],
  },
  {
    name: 'metadata.name with a trailing dash',
    object: application({}, { name: 'app-' }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'name'] }],
  },
  {
    name: 'metadata.namespace with a dot (a label, not a subdomain)',
    object: api({}, { name: 'hello', namespace: 'team.a' }),
    problems: [{ code: 'InvalidName', path: ['metadata', 'namespace'], message: /RFC 1123 label/ }],
  },
  {
    name: 'unknown kind in tollgate.dev/v1alpha1',
    object: { apiVersion: V, kind: 'Gateway', metadata: { name: 'gw' }, spec: {} },
    problems: [{ code: 'SchemaViolation', path: ['kind'], message: 'unknown kind Gateway in tollgate.dev/v1alpha1' }],
  },
];

describe('validateObject: problems', () => {
  it.each(rows)('$name', (row) => {
    const r = validateObject(row.object, 'default');
    expect(r.object).toBeUndefined();
    expect(r.problems.map(({ code, path }) => ({ code, path }))).toEqual(row.problems.map(({ code, path }) => ({ code, path })));
    row.problems.forEach((p, i) => {
      if (typeof p.message === 'string') expect(r.problems[i]!.message).toBe(p.message);
      else if (p.message) expect(r.problems[i]!.message).toMatch(p.message);
    });
  });
});

describe('validateObject: rules that hold', () => {
  it.each([
    ['a private product listing allowedNamespaces', product({ access: 'private', allowedNamespaces: ['team'] })],
    ['an internal product listing allowedNamespaces', product({ access: 'internal', allowedNamespaces: ['team'] })],
    ['defaultPlan naming a plan', product({ plans: [{ name: 'Gold' }, { name: 'Bronze' }], defaultPlan: 'Bronze' })],
    ['a Deprecated API with sunset', api({ lifecycle: 'Deprecated', sunset: '2026-06-30T00:00:00Z' })],
    ['a Retired API with sunset', api({ lifecycle: 'Retired', sunset: '2026-06-30T00:00:00Z' })],
    [
      'a Deprecated API with deprecatedAt and a deprecationLink',
      api({ lifecycle: 'Deprecated', deprecatedAt: '2026-01-01T00:00:00Z', deprecationLink: 'https://docs.example/deprecation' }),
    ],
    ['a Retired API with deprecatedAt', api({ lifecycle: 'Retired', deprecatedAt: '2026-01-01T00:00:00Z' })],
    [
      'credentials with expiresIn on one and expiresAt on another',
      application({
        credentials: [
          { name: 'a', expiresIn: '90d' },
          { name: 'b', expiresAt: '2026-06-01T00:00:00Z' },
        ],
      }),
    ],
    ['cors credentials with listed origins', api({ cors: { allowOrigins: ['https://a.example'], allowCredentials: true } })],
    ['cors * without credentials', api({ cors: { allowOrigins: ['*'] } })],
    ['auth.none without issuers', api({ auth: { none: true } })],
    [
      'operation paths /, /**, /*, {param} and /x/**',
      api({ operations: [{ path: '/' }, { path: '/**' }, { path: '/*' }, { path: '/users/{id}' }, { path: '/files/**' }] }),
    ],
    ['a dotted metadata.name (subdomain)', api({}, { name: 'hello.v1', namespace: 'platform' })],
  ])('%s', (_name, o) => {
    expect(problemsOf(o)).toEqual([]);
  });
});

describe('validateObject: the returned object', () => {
  it('applies CRD defaults, including inside defaults it inserts', () => {
    const { object } = validateObject(api(), 'default');
    expect(object!.spec).toEqual({
      context: '/hello',
      version: '1.0.0',
      isDefaultVersion: false,
      lifecycle: 'Published',
      upstream: { urls: ['http://hello.platform.svc'], connectTimeout: '5s', timeout: '30s', retries: 1 },
      auth: { none: false, apiKey: { enabled: true, header: 'apikey' }, oauth2: { enabled: true } },
    });
  });

  it('defaults list items: product paths, JWT algorithms and claim, credentials', () => {
    const p = validateObject(product({ operations: [{ api: 'a' }, { api: 'b', paths: ['/x'] }] }), 'default').object!;
    expect(p.spec).toMatchObject({ access: 'public', approvalType: 'auto', quotaFailureMode: 'open' });
    expect((p.spec as { operations: unknown[] }).operations).toEqual([
      { api: 'a', paths: ['/'] },
      { api: 'b', paths: ['/x'] },
    ]);
    const a = validateObject(api({ auth: { jwt: [{ issuer: 'https://i/', jwksUri: 'https://i/jwks' }] } }), 'default').object!;
    expect((a.spec as { auth: { jwt: unknown[] } }).auth.jwt).toEqual([
      { issuer: 'https://i/', jwksUri: 'https://i/jwks', algorithms: ['RS256'], clientIdClaim: 'client_id' },
    ]);
    const app = validateObject(application(), 'default').object!;
    expect((app.spec as { credentials: unknown[] }).credentials).toEqual([{ name: 'default', revoked: false }]);
    const byo = validateObject(application({ credentials: [{ name: 'byo', secretRef: { name: 'my-key' } }] }), 'default').object!;
    expect((byo.spec as { credentials: unknown[] }).credentials).toEqual([
      { name: 'byo', revoked: false, secretRef: { name: 'my-key', keyField: 'consumerKey', secretField: 'consumerSecret' } },
    ]);
  });

  it('defaults quota interval, rate-limit per and burst, subscription state', () => {
    const p = validateObject(product({ quota: { limit: 5, timeUnit: 'day' }, rateLimit: { requests: 3 } }), 'default').object!;
    expect(p.spec).toMatchObject({ quota: { limit: 5, interval: 1, timeUnit: 'day' }, rateLimit: { requests: 3, per: 'second', burst: 0 } });
    expect(validateObject(subscription(), 'default').object!.spec).toMatchObject({ state: 'Active' });
  });

  it('fills in the namespace and generation', () => {
    const noNamespace = validateObject(api({}, { name: 'hello' }), 'dev').object!;
    expect(noNamespace.metadata).toEqual({ name: 'hello', namespace: 'dev', generation: 1 });
    const kept = validateObject(api({}, { name: 'hello', namespace: 'platform', generation: 4, labels: { team: 'a' } }), 'dev').object!;
    expect(kept.metadata).toEqual({ name: 'hello', namespace: 'platform', generation: 4, labels: { team: 'a' } });
    for (const bad of [0, -2, 1.5, 'three']) {
      expect(validateObject(api({}, { name: 'hello', generation: bad }), 'dev').object!.metadata.generation).toBe(1);
    }
  });

  it('does not change the input', () => {
    const input = product({ plans: [{ name: 'Gold' }] });
    const before = structuredClone(input);
    validateObject(input, 'default');
    expect(input).toEqual(before);
  });

  it('returns no object when there is any problem', () => {
    const r = validateObject(api({ lifecycle: 'Live' }), 'default');
    expect(r.object).toBeUndefined();
    expect(r.problems).toHaveLength(1);
  });
});

describe('validateObject: kind and metadata', () => {
  it('a missing kind is reported as a required field, not as "unknown kind undefined"', () => {
    const { problems } = validateObject({ apiVersion: V, metadata: { name: 'x' }, spec: {} }, 'default');
    expect(problems).toEqual([{ code: 'SchemaViolation', path: ['kind'], message: 'Required value' }]);
  });

  it('unknown metadata fields are rejected, as strict field validation does', () => {
    const { problems } = validateObject(api({}, { name: 'hello', namespace: 'platform', lables: { team: 'a' } }), 'default');
    expect(problems).toEqual([expect.objectContaining({ code: 'SchemaViolation', path: ['metadata', 'lables'] })]);
  });
});
