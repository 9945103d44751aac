import { GatewayError } from '../errors/gateway-error.ts';
import { tokenStoreDown, type TokenCheck, type TokenDecision, type TokenLimitStore } from '../limits/token-limits.ts';
import { UsageReader } from '../llm/usage-reader.ts';
import type { ResponseObserver } from '../proxy/forwarder.ts';
import type { IncomingHttpHeaders } from 'node:http';
import type { Llm } from '../snapshot/types.ts';
import type { RequestContext } from './request-context.ts';

/**
 * An LLM API's token quotas: the request goes ahead while each of its subscription's
 * token windows has tokens left, and the tokens its response reports (streamed or
 * not) are counted when the response ends. Runs after the headers for the upstream
 * are built, to ask it for an uncompressed answer the gateway can read.
 */
export function tokenLimitStep(ctx: RequestContext): void | Promise<void> {
  const llm = ctx.api!.api.llm;
  if (llm === undefined || ctx.websocket) return;
  ctx.upstreamHeaders!['accept-encoding'] = 'identity';
  const grant = ctx.grant;
  const store = ctx.services.tokenLimits;
  const quotas = grant?.subscription.tokenQuotas;
  if (grant === undefined || store === undefined || !quotas?.length) {
    ctx.observeResponse(new TokenMeter(llm.provider, ctx, undefined, undefined));
    return;
  }
  const request: TokenCheck = { application: ctx.identity!.application.id, product: grant.product.id, quotas, failureMode: grant.product.quotaFailureMode };
  let checked: TokenDecision | Promise<TokenDecision>;
  try {
    checked = store.check(request, ctx.now);
  } catch {
    checked = tokenStoreDown(request);
  }
  if (checked instanceof Promise) return checked.catch(() => tokenStoreDown(request)).then((d) => decide(ctx, llm, store, request, d));
  decide(ctx, llm, store, request, checked);
}

function decide(ctx: RequestContext, llm: Llm, store: TokenLimitStore, request: TokenCheck, decision: TokenDecision): void {
  ctx.responseHeaders = withLimitHeaders(ctx.responseHeaders, decision.headers);
  if (decision.reason === 'storeUnavailable') ctx.services.onLimitStoreFailure(request.product, decision.allowed ? 'open' : 'closed');
  if (decision.reason) ctx.exchange.limited = decision.reason;
  if (!decision.allowed) {
    throw new GatewayError(decision.reason === 'tokenQuota' ? 'token-quota-exceeded' : 'limits-unavailable', undefined, { headers: ctx.responseHeaders });
  }
  ctx.observeResponse(new TokenMeter(llm.provider, ctx, store, request));
}

/** The request quota's `RateLimit` items and the token quotas' side by side in one field each. */
function withLimitHeaders(current: Record<string, string>, added: Record<string, string>): Record<string, string> {
  const merged = { ...current };
  for (const name in added) {
    const existing = merged[name];
    merged[name] = existing !== undefined && name !== 'Retry-After' ? `${existing}, ${added[name]}` : added[name]!;
  }
  return merged;
}

/** Reads the usage off the response and, when it ends (whole or cut), counts it. */
class TokenMeter implements ResponseObserver {
  readonly #provider: Llm['provider'];
  readonly #ctx: RequestContext;
  readonly #store: TokenLimitStore | undefined;
  readonly #request: TokenCheck | undefined;
  #reader: UsageReader | undefined;
  #ended = false;

  constructor(provider: Llm['provider'], ctx: RequestContext, store: TokenLimitStore | undefined, request: TokenCheck | undefined) {
    this.#provider = provider;
    this.#ctx = ctx;
    this.#store = store;
    this.#request = request;
  }

  start(_status: number, headers: IncomingHttpHeaders): void {
    const encoding = headers['content-encoding'];
    // Asked for identity; an upstream that compresses anyway is not decoded here: its usage goes uncounted and the log says so.
    if (encoding !== undefined && encoding !== 'identity') {
      this.#ctx.exchange.detail = `LLM response in ${encoding}: tokens not counted`;
      return;
    }
    this.#reader = new UsageReader(this.#provider, headers['content-type']);
  }

  data(chunk: Buffer): void {
    this.#reader?.push(chunk);
  }

  end(): void {
    if (this.#ended || this.#reader === undefined) return;
    this.#ended = true;
    const usage = this.#reader.finish();
    const exchange = this.#ctx.exchange;
    if (usage.model !== undefined) exchange.model = usage.model;
    exchange.tokens = { prompt: usage.prompt, completion: usage.completion, total: usage.total, ...(usage.estimated ? { estimated: true } : {}) };
    const store = this.#store;
    const request = this.#request;
    if (store === undefined || request === undefined || usage.total + usage.prompt + usage.completion === 0) return;
    const onFailure = () => this.#ctx.services.onLimitStoreFailure(request.product, 'open');
    try {
      const pending = store.record(request, usage, this.#ctx.now);
      if (pending instanceof Promise) pending.catch(onFailure);
    } catch {
      onFailure();
    }
  }
}
