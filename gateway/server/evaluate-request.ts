import type { IncomingMessage } from 'node:http';
import { authenticate } from '../auth/authenticate.ts';
import { authorize } from '../authorize/authorize.ts';
import { canonicaliseTarget, type CanonicalTarget } from '../canonical/canonicalise-target.ts';
import { answerPreflight, corsResponseHeaders, isPreflight } from '../cors/cors-policy.ts';
import { SINGLE_HEADERS, firstDuplicate, forwardableHeaders } from '../canonical/raw-headers.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { LimitDecision, LimitRequest, LimitStore } from '../limits/types.ts';
import type { ForwardPlan } from '../proxy/forwarder.ts';
import { allowHeader, matchesPath, methodAllowed } from '../router/path-match.ts';
import type { RouteHit } from '../router/route-table.ts';
import type { Exchange } from '../http/exchange.ts';
import type { ApiRuntime, RuntimeSnapshot } from './runtime-snapshot.ts';

export interface EvaluateContext {
  environment: string | undefined;
  limits: LimitStore;
  maxBodyBytes: number;
  now: () => number;
  onLimitStoreFailure(product: string, mode: 'open' | 'closed'): void;
}

/** An allowed CORS preflight, answered by the gateway with these headers and no body. */
export interface PreflightAnswer {
  preflight: Record<string, string>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * The whole decision for one request, against one snapshot from start to end:
 * canonicalise, route, answer a CORS preflight, authenticate, authorise, limit.
 * Refusals throw a GatewayError; a request that may pass comes back as the plan
 * to forward it, with its headers already rewritten for the upstream.
 */
export function evaluateRequest(req: IncomingMessage, runtime: RuntimeSnapshot, ctx: EvaluateContext, exchange: Exchange, websocket: true): Promise<ForwardPlan>;
export function evaluateRequest(
  req: IncomingMessage,
  runtime: RuntimeSnapshot,
  ctx: EvaluateContext,
  exchange: Exchange,
  websocket: boolean,
): Promise<ForwardPlan | PreflightAnswer>;
export async function evaluateRequest(
  req: IncomingMessage,
  runtime: RuntimeSnapshot,
  ctx: EvaluateContext,
  exchange: Exchange,
  websocket: boolean,
): Promise<ForwardPlan | PreflightAnswer> {
  const duplicate = firstDuplicate(req.rawHeaders, SINGLE_HEADERS);
  if (duplicate) throw new GatewayError('duplicate-header', `${duplicate} appears more than once`);

  const target = canonicaliseTarget(req.url ?? '');
  if (!target.ok) throw new GatewayError('invalid-request-target', target.reason);
  exchange.path = target.path;

  const declaredLength = req.headers['content-length'];
  if (declaredLength !== undefined && Number(declaredLength) > ctx.maxBodyBytes) {
    throw new GatewayError('request-too-large', `the limit is ${ctx.maxBodyBytes} bytes`, { headers: { connection: 'close' } });
  }

  const hit = runtime.routes.lookup(req.headers.host, target.path);
  if (!hit) throw new GatewayError('route-not-found');
  if ('perEnvironment' in hit.target) throw new GatewayError('environment-required');
  const routed = hit.target;
  const { api, cors, lifecycleHeaders } = routed;
  exchange.api = api.id;
  const origin = req.headers.origin;
  const requestMethod = req.headers['access-control-request-method'];
  // Before the lifecycle and credential checks: a browser sends no credential in a
  // preflight, and only an answered preflight lets it read the refusal that follows.
  if (cors && !websocket && isPreflight(req.method, origin, requestMethod)) {
    const preflight = answerPreflight(cors, origin!, requestMethod!, req.headers['access-control-request-headers']);
    if (!preflight.ok) throw new GatewayError('cors-preflight-refused', preflight.reason, { headers: { vary: 'Origin', ...lifecycleHeaders } });
    return { preflight: { ...lifecycleHeaders, ...preflight.headers } };
  }
  // Every answer from here on, refusals included, carries these.
  const answerHeaders = cors ? { ...lifecycleHeaders, ...corsResponseHeaders(cors, origin) } : lifecycleHeaders;
  try {
    return await admit(req, runtime, ctx, exchange, websocket, target, hit, routed, answerHeaders, declaredLength);
  } catch (err) {
    if (err instanceof GatewayError) for (const [name, value] of Object.entries(answerHeaders)) err.headers[name] ??= value;
    throw err;
  }
}

async function admit(
  req: IncomingMessage,
  runtime: RuntimeSnapshot,
  ctx: EvaluateContext,
  exchange: Exchange,
  websocket: boolean,
  target: CanonicalTarget,
  hit: RouteHit<unknown>,
  routed: ApiRuntime,
  answerHeaders: Record<string, string>,
  declaredLength: string | undefined,
): Promise<ForwardPlan> {
  const { api, pool, auth } = routed;
  if (api.lifecycle === 'Retired') throw new GatewayError('api-retired');
  if (api.lifecycle === 'Blocked') throw new GatewayError('api-blocked');

  // `/base/` is the base path itself, as `/` is the root.
  let segments = target.segments;
  if (segments.length === hit.baseSegments + 1 && segments[hit.baseSegments] === '') segments = segments.slice(0, hit.baseSegments);
  const from = hit.baseSegments;
  const method = req.method ?? 'GET';

  if (api.operations) {
    const onPath = api.operations.filter((op) => matchesPath(op.match, segments, from));
    if (!onPath.length) throw new GatewayError('operation-not-found');
    if (!onPath.some((op) => methodAllowed(op.methods, method))) {
      throw new GatewayError('method-not-allowed', undefined, { headers: { allow: allowHeader(onPath.map((op) => op.methods)) } });
    }
  }

  const now = ctx.now();
  const responseHeaders: Record<string, string> = { ...answerHeaders };
  let query = target.query;
  const identityHeaders: Record<string, string> = {};
  // The credential the gateway consumed, left out of what goes upstream.
  let dropHeader: string | undefined;
  let dropAuthorization: string | undefined;

  if (api.auth.required) {
    const outcome = await authenticate(req, auth, runtime.credentials, query, now);
    const { identity } = outcome;
    exchange.application = identity.application.id;
    if (identity.credential !== undefined) exchange.credential = identity.credential;
    dropHeader = outcome.strip.header;
    if (outcome.strip.authorization) dropAuthorization = 'authorization';
    query = outcome.query;

    const grant = authorize({
      subscriptions: runtime.subscriptionsByApplication.get(identity.application.id) ?? [],
      inactive: runtime.inactiveSubscriptionsByApplication.get(identity.application.id) ?? [],
      products: runtime.products,
      api: api.id,
      segments,
      from,
      method,
      scopes: identity.scopes,
    });
    exchange.product = grant.product.id;
    if (grant.subscription.plan) exchange.plan = grant.subscription.plan;
    identityHeaders['x-tollgate-application'] = identity.application.id;
    identityHeaders['x-tollgate-product'] = grant.product.id;
    if (grant.subscription.plan) identityHeaders['x-tollgate-plan'] = grant.subscription.plan;
    if (identity.credential !== undefined) identityHeaders['x-tollgate-credential'] = identity.credential;
    if (identity.issuer !== undefined) identityHeaders['x-tollgate-issuer'] = identity.issuer;

    const quota = grant.operation?.operation.quota ?? grant.subscription.quota;
    const rateLimit = grant.subscription.rateLimit;
    if (quota || rateLimit) {
      const limitRequest: LimitRequest = {
        application: identity.application.id,
        product: grant.product.id,
        failureMode: grant.product.quotaFailureMode,
      };
      if (grant.operation) limitRequest.operation = grant.operation.id;
      if (quota) limitRequest.quota = quota;
      if (rateLimit) limitRequest.rateLimit = rateLimit;
      const checked = checkLimits(ctx, limitRequest, now);
      const decision = checked instanceof Promise ? await checked : checked;
      Object.assign(responseHeaders, decision.headers);
      if (decision.reason) exchange.limited = decision.reason;
      if (decision.reason === 'storeUnavailable') ctx.onLimitStoreFailure(grant.product.id, decision.allowed ? 'open' : 'closed');
      if (!decision.allowed) {
        throw new GatewayError(
          decision.reason === 'quota' ? 'quota-exceeded' : decision.reason === 'rateLimit' ? 'rate-limited' : 'limits-unavailable',
          undefined,
          { headers: responseHeaders },
        );
      }
    }
  }

  const hasBody = declaredLength !== undefined ? declaredLength !== '0' : req.headers['transfer-encoding'] !== undefined;
  const headers = forwardableHeaders(req.headers, websocket, dropHeader, dropAuthorization);
  Object.assign(headers, identityHeaders);
  const host = headers.host;
  headers['x-request-id'] = exchange.id;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  if (host) headers['x-forwarded-host'] = host;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  // What the proxy sends upstream is `req.headers`: from here on, exactly these.
  req.headers = headers;

  return {
    pool,
    relativePath: target.path.slice(hit.basePath.length),
    query,
    connectTimeoutMs: api.upstream.connectTimeoutMs,
    timeoutMs: api.upstream.timeoutMs,
    retries: api.upstream.retries,
    hasBody,
    retryable: IDEMPOTENT.has(method) && !hasBody,
    responseHeaders,
    ownsCors: routed.cors !== undefined,
    maxBodyBytes: ctx.maxBodyBytes,
  };
}

function checkLimits(ctx: EvaluateContext, request: LimitRequest, now: number): LimitDecision | Promise<LimitDecision> {
  const store = ctx.limits;
  if (store.checkSync) {
    try {
      return store.checkSync(request, now);
    } catch {
      return storeDown(request);
    }
  }
  let pending: Promise<LimitDecision>;
  try {
    pending = store.check(request, now);
  } catch {
    return storeDown(request);
  }
  return pending.catch(() => storeDown(request));
}

/** A store that throws instead of answering is a store that is down: the product's policy decides. */
function storeDown(request: LimitRequest): LimitDecision {
  return { allowed: request.failureMode === 'open', reason: 'storeUnavailable', headers: {} };
}
