import type { ApiPolicies, BackendAuth, CacheRule, HeaderRules, NamedLimit, OperationPolicies, PathRewrite, QueryRules } from '../../gateway/snapshot/types.ts';
import { parseCidr } from '../../gateway/policies/ip-access.ts';
import { compileRewrites } from '../../gateway/policies/path-rewrite.ts';
import { parseTemplate } from '../../gateway/policies/templates.ts';
import type { APISpec } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { compilePath } from './paths.ts';
import { limitsOf } from './limits-of.ts';

type PoliciesSpec = NonNullable<APISpec['policies']>;
type HeaderSpec = NonNullable<PoliciesSpec['requestHeaders']>;

/** Headers the gateway frames or owns itself: a rule may not touch them (the CRD says so too). */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'keep-alive']);

/**
 * An API's policies (gateway/POLICIES.md) as the snapshot carries them: every field spelled
 * out, templates and CIDR blocks checked here so that a mistake is a condition on the API,
 * not a snapshot the gateways refuse. Secrets are only named.
 */
export function compileApiPolicies(spec: PoliciesSpec, apiId: string, upstreamUrls: readonly string[], cs: ConditionSet): ApiPolicies | undefined {
  const namespace = apiId.slice(0, apiId.indexOf('/'));
  const out: ApiPolicies = {};
  if (spec.requestHeaders) out.requestHeaders = headerRules(spec.requestHeaders, 'spec.policies.requestHeaders', cs);
  if (spec.responseHeaders) out.responseHeaders = headerRules(spec.responseHeaders, 'spec.policies.responseHeaders', cs);
  if (spec.rewrite?.length) out.rewrite = rewrites(spec.rewrite, cs);
  if (spec.query) out.query = queryRules(spec.query, 'spec.policies.query', cs);
  if (spec.backendAuth) {
    const auth = backendAuth(spec.backendAuth, namespace, cs);
    if (auth) out.backendAuth = auth;
    if (auth && auth.kind !== 'clientCertificate' && upstreamUrls.some((u) => u.startsWith('http://'))) {
      cs.acceptedMessage(`backend ${auth.kind} credentials go to a plain http:// upstream: anyone on that network can read them`);
    }
    if (auth?.kind === 'clientCertificate' && !upstreamUrls.every((u) => u.startsWith('https://'))) {
      cs.notAccepted(Reason.Invalid, 'a client certificate needs https:// upstreams', { field: 'spec.policies.backendAuth.clientCertificate' });
    }
  }
  if (spec.backendJwt) {
    const j = spec.backendJwt;
    out.backendJwt = { header: j.header, ttlSeconds: j.ttlSeconds, audience: j.audience ?? apiId };
  }
  if (spec.responseCache?.length) out.responseCache = cacheRules(spec.responseCache, cs);
  if (spec.ipAccess) out.ipAccess = ipAccess(spec.ipAccess, 'spec.policies.ipAccess', cs);
  if (spec.maxBodyBytes !== undefined) out.maxBodyBytes = spec.maxBodyBytes;
  if (spec.jsonThreat) {
    const j = spec.jsonThreat;
    out.jsonLimits = { maxDepth: j.maxDepth, maxObjectKeys: j.maxObjectKeys, maxStringLength: j.maxStringLength, maxArrayLength: j.maxArrayLength };
  }
  if (spec.limits?.length) out.limits = spec.limits.map((l, i) => namedLimit(l, i, cs));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A product operation's mediation (header and query rules), checked as an API's are. */
export function compileOperationPolicies(
  spec: Pick<PoliciesSpec, 'requestHeaders' | 'responseHeaders' | 'query'>,
  where: string,
  cs: ConditionSet,
): OperationPolicies | undefined {
  const out: OperationPolicies = {};
  if (spec.requestHeaders) out.requestHeaders = headerRules(spec.requestHeaders, `${where}.requestHeaders`, cs);
  if (spec.responseHeaders) out.responseHeaders = headerRules(spec.responseHeaders, `${where}.responseHeaders`, cs);
  if (spec.query) out.query = queryRules(spec.query, `${where}.query`, cs);
  return Object.keys(out).length > 0 ? out : undefined;
}

function queryRules(spec: NonNullable<PoliciesSpec['query']>, where: string, cs: ConditionSet): QueryRules {
  const set = (spec.set ?? []).map((q, i) => ({ name: q.name, value: checkedTemplate(q.value, `${where}.set[${i}].value`, cs) }));
  return { remove: [...(spec.remove ?? [])], set };
}

function checkedTemplate(value: string, field: string, cs: ConditionSet): string {
  const parsed = parseTemplate(value);
  if (!parsed.ok) cs.notAccepted(Reason.Invalid, parsed.error, { field });
  return value;
}

function headerRules(spec: HeaderSpec, where: string, cs: ConditionSet): HeaderRules {
  const values = (list: HeaderSpec['set'], field: string) =>
    (list ?? []).map((rule, i) => {
      if (RESERVED.has(rule.name))
        cs.notAccepted(Reason.Invalid, `${rule.name} is framed by the gateway and cannot be set`, { field: `${where}.${field}[${i}].name` });
      return { name: rule.name, value: checkedTemplate(rule.value, `${where}.${field}[${i}].value`, cs) };
    });
  for (const [i, r] of (spec.rename ?? []).entries()) {
    if (RESERVED.has(r.from) || RESERVED.has(r.to))
      cs.notAccepted(Reason.Invalid, `${r.from} -> ${r.to}: framing headers cannot be renamed`, { field: `${where}.rename[${i}]` });
  }
  return {
    remove: [...(spec.remove ?? [])],
    rename: (spec.rename ?? []).map((r) => ({ from: r.from, to: r.to })),
    set: values(spec.set, 'set'),
    add: values(spec.add, 'add'),
  };
}

function rewrites(spec: NonNullable<PoliciesSpec['rewrite']>, cs: ConditionSet): PathRewrite[] {
  const out: PathRewrite[] = [];
  for (const [i, rule] of spec.entries()) {
    const compiled = compilePath(rule.path, true);
    if (!compiled.ok) {
      cs.notAccepted(Reason.Invalid, compiled.message, { field: `spec.policies.rewrite[${i}].path` });
      continue;
    }
    const params =
      rule.path === '/'
        ? []
        : rule.path
            .replace(/\/\*\*$/, '')
            .slice(1)
            .split('/')
            .map((s) => /^\{(.+)\}$/.exec(s)?.[1] ?? '');
    const rewrite: PathRewrite = { match: compiled.match, params, to: rule.to };
    const errors: string[] = [];
    compileRewrites([rewrite], errors, 'rewrite');
    if (rewrite.to.includes('{**}') && compiled.match.rest === 'none') errors.push(`{**} is always empty: ${rule.path} does not end in /**`);
    for (const error of errors) cs.notAccepted(Reason.Invalid, error.replace(/^rewrite\[0\]\.to: /, ''), { field: `spec.policies.rewrite[${i}].to` });
    if (errors.length === 0) out.push(rewrite);
  }
  return out;
}

function cacheRules(spec: NonNullable<PoliciesSpec['responseCache']>, cs: ConditionSet): CacheRule[] {
  const out: CacheRule[] = [];
  for (const [i, rule] of spec.entries()) {
    const compiled = compilePath(rule.path, true);
    if (!compiled.ok) {
      cs.notAccepted(Reason.Invalid, compiled.message, { field: `spec.policies.responseCache[${i}].path` });
      continue;
    }
    out.push({
      match: compiled.match,
      ttlSeconds: rule.ttlSeconds,
      queryParameters: [...(rule.queryParameters ?? [])],
      headers: [...(rule.headers ?? [])],
      perApplication: rule.perApplication,
    });
  }
  return out;
}

function backendAuth(spec: NonNullable<PoliciesSpec['backendAuth']>, namespace: string, cs: ConditionSet): BackendAuth | undefined {
  const secret = (name: string) => ({ namespace, name });
  if (spec.basic) return { kind: 'basic', secret: secret(spec.basic.secretRef.name) };
  if (spec.header) return { kind: 'header', header: spec.header.name, secret: secret(spec.header.secretRef.name) };
  if (spec.oauth2)
    return { kind: 'oauth2', tokenUrl: spec.oauth2.tokenUrl, scopes: [...(spec.oauth2.scopes ?? [])], secret: secret(spec.oauth2.secretRef.name) };
  if (spec.clientCertificate) return { kind: 'clientCertificate', secret: secret(spec.clientCertificate.secretRef.name) };
  cs.notAccepted(Reason.Invalid, 'set one of basic, header, oauth2 and clientCertificate', { field: 'spec.policies.backendAuth' });
  return undefined;
}

export function ipAccess(spec: { allow?: string[]; deny?: string[] }, where: string, cs: ConditionSet): { allow: string[]; deny: string[] } {
  const check = (list: string[] | undefined, field: 'allow' | 'deny') =>
    (list ?? []).filter((cidr, i) => {
      if (parseCidr(cidr)) return true;
      cs.notAccepted(Reason.Invalid, `${JSON.stringify(cidr)} is not an IPv4 or IPv6 address or CIDR block`, { field: `${where}.${field}[${i}]` });
      return false;
    });
  return { allow: check(spec.allow, 'allow'), deny: check(spec.deny, 'deny') };
}

function namedLimit(spec: NonNullable<PoliciesSpec['limits']>[number], i: number, cs: ConditionSet): NamedLimit {
  const out: NamedLimit = { name: spec.name, ...limitsOf(spec) };
  const key = spec.key;
  if (key?.clientIp) out.key = { kind: 'clientIp' };
  else if (key?.header) out.key = { kind: 'header', name: key.header };
  else if (key?.claim) out.key = { kind: 'claim', name: key.claim };
  else if (key) cs.notAccepted(Reason.Invalid, 'set one of clientIp, header and claim', { field: `spec.policies.limits[${i}].key` });
  if (!out.quota && !out.rateLimit) cs.notAccepted(Reason.Invalid, 'a limit needs a quota, a rateLimit or both', { field: `spec.policies.limits[${i}]` });
  return out;
}
