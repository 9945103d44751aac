import type { Api, ApiOperation, Route, Upstream } from '../../gateway/snapshot/types.ts';
import { compileOpenApi } from '../openapi/compile-openapi.ts';
import type { OpenApiDocument, OpenApiLoad } from '../openapi/openapi-load.ts';
import { objectId, type ApiResource } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { parseDuration } from './durations.ts';
import { objectStatus, type ObjectStatus } from './object-status.ts';
import { compareStrings, precedence, sortByAge } from './order.ts';
import { compilePath, samePathMatch } from './paths.ts';
import { compileApiPolicies } from './process-api-policies.ts';

export interface ApiOutcome {
  resource: ApiResource;
  /** Present when the API is in the route table (not Created, valid, at least one route won). */
  api?: Api;
  conditions: ConditionSet;
  routes: Route[];
  /** The API's OpenAPI document, valid and resolved, for the docs bundle. */
  document?: OpenApiDocument;
}

function compileUpstream(u: NonNullable<ApiResource['spec']['upstream']>): Upstream {
  const upstream: Upstream = {
    urls: u.urls,
    connectTimeoutMs: parseDuration(u.connectTimeout) ?? 5000,
    timeoutMs: parseDuration(u.timeout) ?? 30000,
    retries: u.retries,
  };
  if (u.tls) {
    upstream.tls = { insecureSkipVerify: u.tls.insecureSkipVerify };
    if (u.tls.serverName) upstream.tls.serverName = u.tls.serverName;
    if (u.tls.caBundle) upstream.tls.caBundle = u.tls.caBundle;
  }
  return upstream;
}

function compileApi(r: ApiResource, cs: ConditionSet, load: OpenApiLoad | undefined, outcome: ApiOutcome): Api | undefined {
  const s = r.spec;
  const upstream = s.upstream ? compileUpstream(s.upstream) : undefined;
  if (!upstream && s.lifecycle !== 'Prototyped')
    cs.notAccepted(Reason.Invalid, 'an API needs an upstream, unless it is Prototyped and mocked from its OpenAPI document', { field: 'spec.upstream' });

  let operations: ApiOperation[] | undefined;
  if (s.operations) {
    operations = [];
    for (const [i, op] of s.operations.entries()) {
      const compiled = compilePath(op.path, true);
      if (!compiled.ok) {
        cs.notAccepted(Reason.Invalid, compiled.message, { field: `spec.operations[${i}].path` });
        continue;
      }
      const twin = operations.findIndex((o) => samePathMatch(o.match, compiled.match));
      if (twin >= 0) {
        cs.notAccepted(Reason.Invalid, `${op.path} matches the same paths as ${operations[twin]!.match.pattern}`, { field: `spec.operations[${i}].path` });
        continue;
      }
      operations.push({ match: compiled.match, methods: [...(op.methods ?? [])].sort() });
    }
  }
  const fromDocument = compileOpenApi(r, load, operations, cs);
  if (fromDocument.document) outcome.document = fromDocument.document;
  if (fromDocument.derived) operations = fromDocument.derived;
  const cors = s.cors ? compileCors(s.cors, cs) : undefined;
  const policies = s.policies ? compileApiPolicies(s.policies, objectId(r), s.upstream?.urls ?? [], cs) : undefined;
  if (!cs.isAccepted) return undefined;

  const lifecycle = s.lifecycle;
  if (lifecycle === 'Created') return undefined;
  const open = s.auth.none;
  const apiKey =
    !open && s.auth.apiKey.enabled
      ? { header: s.auth.apiKey.header.toLowerCase(), ...(s.auth.apiKey.queryParameter ? { queryParameter: s.auth.apiKey.queryParameter } : {}) }
      : undefined;
  const api: Api = {
    id: objectId(r),
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    displayName: s.displayName ?? r.metadata.name,
    context: s.context,
    version: s.version,
    lifecycle,
    environments: [...(s.environments ?? [])].sort(),
    // A mocked API has no upstream; the gateway answers before it would need one.
    upstream: upstream ?? { urls: [], connectTimeoutMs: 5000, timeoutMs: 30000, retries: 0 },
    auth: {
      required: !open && lifecycle !== 'Prototyped',
      ...(apiKey ? { apiKey } : {}),
      oauth2: !open && s.auth.oauth2.enabled,
      issuers: (open ? [] : (s.auth.jwt ?? [])).map((j) => ({
        issuer: j.issuer,
        jwksUri: j.jwksUri,
        audiences: j.audiences ?? [],
        algorithms: j.algorithms,
        clientIdClaim: j.clientIdClaim,
      })),
      ...(!open && s.auth.clientCertificate ? { clientCertificate: s.auth.clientCertificate } : {}),
    },
  };
  if (s.sunset) api.sunset = s.sunset;
  if (s.deprecatedAt) api.deprecatedAt = s.deprecatedAt;
  if (s.deprecationLink) api.deprecationLink = s.deprecationLink;
  // The lifecycle's transition time is in the status the compiler must not read (its output would feed its input).
  if (lifecycle === 'Deprecated' && !s.deprecatedAt)
    cs.acceptedMessage('Deprecated without spec.deprecatedAt: no Deprecation header is sent (RFC 9745 needs a date)');
  // A copy of exact length (a pushed-to array keeps room for 17), as the snapshot keeps it.
  if (operations) api.operations = operations.slice();
  if (cors) api.cors = cors;
  if (policies) api.policies = policies;
  if (fromDocument.openapi) api.openapi = fromDocument.openapi;
  if (s.type === 'llm' && s.llm) api.llm = { provider: s.llm.provider };
  else if (s.type === 'llm' || s.llm)
    cs.notAccepted(Reason.Invalid, 'an API of type llm needs llm.provider, and only an API of type llm has one', { field: 'spec.llm' });
  if (s.type === 'mcp') api.mcpUpstream = true;
  if (!cs.isAccepted) return undefined;
  return api;
}

/** `*`, `scheme://host[:port]`, or `scheme://*.domain[:port]` (one label), lower-case: what a browser's Origin can equal. */
const ORIGIN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:[0-9]{1,5})?)$/;
/** RFC 9110 token, or `*` in allowHeaders. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function compileCors(c: NonNullable<ApiResource['spec']['cors']>, cs: ConditionSet): Api['cors'] {
  // Case and a trailing slash are what people get wrong; browsers send neither.
  const allowOrigins = c.allowOrigins.map((o) => o.toLowerCase().replace(/\/$/, ''));
  for (const [i, origin] of allowOrigins.entries()) {
    if (!ORIGIN.test(origin))
      cs.notAccepted(Reason.Invalid, `${c.allowOrigins[i]} is not an origin: use scheme://host[:port], scheme://*.domain[:port] or *`, {
        field: `spec.cors.allowOrigins[${i}]`,
      });
  }
  if (c.allowCredentials && allowOrigins.includes('*'))
    cs.notAccepted(Reason.Invalid, 'allowCredentials cannot be combined with the wildcard origin *', { field: 'spec.cors.allowOrigins' });
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [i, name] of c[field].entries()) {
      if (!HEADER_NAME.test(name)) cs.notAccepted(Reason.Invalid, `${JSON.stringify(name)} is not a header name`, { field: `spec.cors.${field}[${i}]` });
    }
  }
  return {
    allowOrigins: [...new Set(allowOrigins)],
    allowMethods: c.allowMethods ?? [],
    allowHeaders: c.allowHeaders,
    exposeHeaders: c.exposeHeaders,
    allowCredentials: c.allowCredentials,
    maxAgeSeconds: Math.floor((parseDuration(c.maxAge) ?? 600_000) / 1000),
  };
}

/** The (host, base path) pairs an API asks for. */
function claimedRoutes(api: Api, r: ApiResource): Route[] {
  const hosts = r.spec.hosts?.length ? r.spec.hosts : ['*'];
  const basePaths = [`${api.context}/${api.version}`, ...(r.spec.isDefaultVersion ? [api.context] : [])];
  return hosts.flatMap((host) => basePaths.map((basePath) => ({ host, basePath, api: api.id })));
}

/** The environments two APIs are both deployed to: `['*']` when either has none (every environment). */
function sharedEnvironments(a: Api, b: Api): string[] {
  if (!a.environments.length || !b.environments.length) return ['*'];
  return a.environments.filter((e) => b.environments.includes(e));
}

/**
 * Compiles every API and builds the route table. APIs may share a host and
 * base path when their environments are disjoint (a sandbox and a production
 * upstream); where they overlap, the oldest wins (then namespace/name) and the
 * other is told.
 */
export function processApis(resources: ApiResource[], documents?: ReadonlyMap<string, OpenApiLoad>): { outcomes: Map<string, ApiOutcome>; routes: Route[] } {
  const outcomes = new Map<string, ApiOutcome>();
  const owners = new Map<string, Array<{ outcome: ApiOutcome; api: Api }>>();
  for (const r of sortByAge(resources)) {
    const conditions = new ConditionSet(r.metadata.generation);
    const outcome: ApiOutcome = { resource: r, conditions, routes: [] };
    outcomes.set(objectId(r), outcome);
    const api = compileApi(r, conditions, documents?.get(objectId(r)), outcome);
    if (!api) {
      if (conditions.isAccepted) conditions.acceptedMessage('lifecycle Created: not routed until it is Prototyped or Published');
      continue;
    }
    const lost: string[] = [];
    const claims = claimedRoutes(api, r);
    for (const route of claims) {
      const key = `${route.host} ${route.basePath}`;
      const holders = owners.get(key) ?? [];
      const owner = holders.find((h) => sharedEnvironments(h.api, api).length);
      if (owner) {
        const shared = sharedEnvironments(owner.api, api);
        const where = shared[0] === '*' ? '' : ` in ${shared.join(', ')}`;
        lost.push(
          `${route.host === '*' ? '' : route.host}${route.basePath}: it belongs to API ${objectId(owner.outcome.resource)}${where}, ${precedence(owner.outcome.resource, r)}`,
        );
        continue;
      }
      owners.set(key, [...holders, { outcome, api }]);
      outcome.routes.push(route);
    }
    if (lost.length === claims.length) conditions.notAccepted(Reason.Conflict, `every route is taken: ${lost.join('; ')}`);
    else {
      if (lost.length) conditions.caveat(Reason.PartialConflict, `not served at ${lost.join('; ')}`);
      outcome.api = api;
    }
  }
  const routes = [...outcomes.values()]
    .flatMap((o) => o.routes)
    .sort((a, b) => compareStrings(a.host, b.host) || compareStrings(a.basePath, b.basePath) || compareStrings(a.api, b.api));
  return { outcomes, routes };
}

export function apiStatus(o: ApiOutcome): ObjectStatus {
  const refused = !o.conditions.isAccepted;
  return objectStatus(o.resource, {
    observedGeneration: o.resource.metadata.generation,
    conditions: o.conditions.conditions(refused),
    routes: o.routes.map((r) => `${r.host === '*' ? '' : r.host}${r.basePath}`),
  });
}
