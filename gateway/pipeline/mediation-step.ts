import type { OutgoingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import type { ApiPolicyRuntime } from '../policies/api-policies.ts';
import type { BackendCredential } from '../policies/backend-auth.ts';
import { applyHeaderRules } from '../policies/header-rules.ts';
import { rewritePath } from '../policies/path-rewrite.ts';
import { applyQueryRules } from '../policies/query-rules.ts';
import type { TemplateVariables } from '../policies/templates.ts';
import type { BackendJwt } from '../snapshot/types.ts';
import { templateVariables } from './policy-variables.ts';
import type { RequestContext } from './request-context.ts';

/**
 * What the API's policies change on the way to the upstream, after the gateway has set
 * its own headers (transform-step.ts): request header rules, the path rewrite, query
 * rules, then the backend credential, which no rule can overwrite. Response header rules
 * are handed to the forwarder. The product operation's rules (the grant's) follow the API's.
 * Nothing to do for an API and operation without such policies.
 */
export function mediationStep(ctx: RequestContext): void | Promise<void> {
  const policies = ctx.api!.policies;
  const operation = ctx.grant?.policies;
  if ((policies === undefined || !policies.mediates) && operation === undefined) return;
  let vars: TemplateVariables | undefined;
  const variables = () => (vars ??= templateVariables(ctx));
  const headers = ctx.upstreamHeaders!;
  if (policies?.requestHeaders) applyHeaderRules(policies.requestHeaders, headers, variables());
  if (operation?.requestHeaders) applyHeaderRules(operation.requestHeaders, headers, variables());
  if (policies?.rewrite) {
    const relative = ctx.path.slice(ctx.basePath.length);
    const encoded = relative === '' ? [] : relative.slice(1).split('/');
    const rewritten = rewritePath(policies.rewrite, encoded, ctx.segments.slice(ctx.from));
    if (rewritten !== undefined) ctx.upstreamPath = rewritten;
  }
  if (policies?.query) ctx.query = applyQueryRules(policies.query, ctx.query, variables());
  if (operation?.query) ctx.query = applyQueryRules(operation.query, ctx.query, variables());
  const apiRules = policies?.responseHeaders;
  const operationRules = operation?.responseHeaders;
  if (apiRules || operationRules) {
    const responseVars = variables();
    ctx.rewriteResponse = (out: OutgoingHttpHeaders) => {
      if (apiRules) applyHeaderRules(apiRules, out, responseVars);
      if (operationRules) applyHeaderRules(operationRules, out, responseVars);
    };
  }
  if (policies !== undefined) return backend(ctx, policies);
}

/** The backend JWT and credential, last: no header rule can replace them. */
function backend(ctx: RequestContext, policies: ApiPolicyRuntime): void | Promise<void> {
  const jwt = policies.backendJwt && signedIdentity(ctx, policies.backendJwt);
  if (!policies.backendAuth) return jwt instanceof Promise ? jwt : undefined;
  if (policies.backendCertificateMissing) throw new GatewayError('backend-credentials-unavailable');
  const credential = ctx.services.policies.backendAuth.credential(policies.backendAuth);
  if (credential instanceof Promise) return Promise.all([credential, jwt]).then(([c]) => present(ctx, c));
  if (credential) present(ctx, credential);
  if (jwt instanceof Promise) return jwt;
}

/** The backend JWT in its header; a promise only when it had to be signed now. */
function signedIdentity(ctx: RequestContext, policy: BackendJwt): void | Promise<void> {
  const subject = {
    api: ctx.api!.api.id,
    application: ctx.identity?.application.id ?? '',
    product: ctx.grant?.product.id ?? '',
    plan: ctx.grant?.subscription.plan ?? '',
    claims: ctx.identity?.claims,
  };
  const jwt = ctx.services.policies.backendJwt.sign(policy, subject, ctx.runtime, ctx.now);
  if (typeof jwt === 'string') ctx.upstreamHeaders![policy.header] = jwt;
  else return jwt.then((signed) => void (ctx.upstreamHeaders![policy.header] = signed));
}

function present(ctx: RequestContext, credential: BackendCredential): void {
  ctx.upstreamHeaders![credential.header] = credential.value;
}
