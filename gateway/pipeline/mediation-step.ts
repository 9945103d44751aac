import type { OutgoingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.ts';
import type { BackendCredential } from '../policies/backend-auth.ts';
import { applyHeaderRules } from '../policies/header-rules.ts';
import { rewritePath } from '../policies/path-rewrite.ts';
import { applyQueryRules } from '../policies/query-rules.ts';
import type { TemplateVariables } from '../policies/templates.ts';
import { templateVariables } from './policy-variables.ts';
import type { RequestContext } from './request-context.ts';

/**
 * What the API's policies change on the way to the upstream, after the gateway has set
 * its own headers (transform-step.ts): request header rules, the path rewrite, query
 * rules, then the backend credential, which no rule can overwrite. Response header rules
 * are handed to the forwarder. Nothing to do for an API without such policies.
 */
export function mediationStep(ctx: RequestContext): void | Promise<void> {
  const policies = ctx.api!.policies;
  if (policies === undefined || !policies.mediates) return;
  let vars: TemplateVariables | undefined;
  const variables = () => (vars ??= templateVariables(ctx));
  const headers = ctx.upstreamHeaders!;
  if (policies.requestHeaders) applyHeaderRules(policies.requestHeaders, headers, variables());
  if (policies.rewrite) {
    const relative = ctx.path.slice(ctx.basePath.length);
    const encoded = relative === '' ? [] : relative.slice(1).split('/');
    const rewritten = rewritePath(policies.rewrite, encoded, ctx.segments.slice(ctx.from));
    if (rewritten !== undefined) ctx.upstreamPath = rewritten;
  }
  if (policies.query) ctx.query = applyQueryRules(policies.query, ctx.query, variables());
  const responseRules = policies.responseHeaders;
  if (responseRules) {
    const responseVars = variables();
    ctx.rewriteResponse = (out: OutgoingHttpHeaders) => applyHeaderRules(responseRules, out, responseVars);
  }
  if (!policies.backendAuth) return;
  if (policies.backendCertificateMissing) throw new GatewayError('backend-credentials-unavailable');
  const credential = ctx.services.policies.backendAuth.credential(policies.backendAuth);
  if (credential instanceof Promise) return credential.then((c) => present(ctx, c));
  if (credential) present(ctx, credential);
}

function present(ctx: RequestContext, credential: BackendCredential): void {
  ctx.upstreamHeaders![credential.header] = credential.value;
}
