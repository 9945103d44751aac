import type { ApiPolicies, BackendAuth, BackendJwt, CacheRule, JsonLimits, NamedLimit, OperationPolicies } from '../snapshot/types.ts';
import { compileHeaderRules, type CompiledHeaderRules } from './header-rules.ts';
import { compileIpAccess, type CompiledIpAccess } from './ip-access.ts';
import { compileRewrites, type CompiledRewrite } from './path-rewrite.ts';
import { compileQueryRules, type CompiledQueryRules } from './query-rules.ts';

/** An API's policies, parsed once per snapshot; each field absent when the API does not declare it. */
export interface ApiPolicyRuntime {
  ipAccess?: CompiledIpAccess;
  maxBodyBytes?: number;
  jsonLimits?: JsonLimits;
  limits?: readonly NamedLimit[];
  /** Whether anything must change on the way to the upstream (headers, path, query, credentials). */
  mediates: boolean;
  requestHeaders?: CompiledHeaderRules;
  responseHeaders?: CompiledHeaderRules;
  rewrite?: readonly CompiledRewrite[];
  query?: CompiledQueryRules;
  backendAuth?: BackendAuth;
  backendJwt?: BackendJwt;
  responseCache?: readonly CacheRule[];
  /** The backend client certificate's Secret was not there when the snapshot was applied: refuse rather than connect without it. */
  backendCertificateMissing: boolean;
}

/** Throws with every problem found: the gateway then refuses the snapshot and keeps the last good one. */
export function compileApiPolicies(apiId: string, policies: ApiPolicies, backendCertificateMissing = false): ApiPolicyRuntime {
  const errors: string[] = [];
  const where = `apis[${apiId}].policies`;
  const out: ApiPolicyRuntime = { mediates: false, backendCertificateMissing };
  if (policies.ipAccess) out.ipAccess = compileIpAccess(policies.ipAccess, errors, `${where}.ipAccess`);
  if (policies.maxBodyBytes !== undefined) out.maxBodyBytes = policies.maxBodyBytes;
  if (policies.jsonLimits) out.jsonLimits = policies.jsonLimits;
  if (policies.limits?.length) out.limits = policies.limits;
  if (policies.requestHeaders) out.requestHeaders = compileHeaderRules(policies.requestHeaders, errors, `${where}.requestHeaders`);
  if (policies.responseHeaders) out.responseHeaders = compileHeaderRules(policies.responseHeaders, errors, `${where}.responseHeaders`);
  if (policies.rewrite?.length) out.rewrite = compileRewrites(policies.rewrite, errors, `${where}.rewrite`);
  if (policies.query) out.query = compileQueryRules(policies.query, errors, `${where}.query`);
  if (policies.backendAuth) out.backendAuth = policies.backendAuth;
  if (policies.backendJwt) out.backendJwt = policies.backendJwt;
  if (policies.responseCache?.length) out.responseCache = policies.responseCache;
  if (errors.length) throw new Error(errors.join('; '));
  out.mediates = !!(out.requestHeaders || out.responseHeaders || out.rewrite || out.query || out.backendAuth || out.backendJwt);
  return out;
}

/** A product operation's mediation, parsed once per snapshot. */
export interface OperationPolicyRuntime {
  requestHeaders?: CompiledHeaderRules;
  responseHeaders?: CompiledHeaderRules;
  query?: CompiledQueryRules;
}

export function compileOperationPolicies(where: string, policies: OperationPolicies): OperationPolicyRuntime {
  const errors: string[] = [];
  const out: OperationPolicyRuntime = {};
  if (policies.requestHeaders) out.requestHeaders = compileHeaderRules(policies.requestHeaders, errors, `${where}.requestHeaders`);
  if (policies.responseHeaders) out.responseHeaders = compileHeaderRules(policies.responseHeaders, errors, `${where}.responseHeaders`);
  if (policies.query) out.query = compileQueryRules(policies.query, errors, `${where}.query`);
  if (errors.length) throw new Error(errors.join('; '));
  return out;
}
