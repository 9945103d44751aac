import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Identity } from '../auth/authenticate.ts';
import type { Grant } from '../authorize/authorize.ts';
import type { Exchange } from '../http/exchange.ts';
import type { LimitStore } from '../limits/types.ts';
import type { TokenLimitStore } from '../limits/token-limits.ts';
import type { PolicyServices } from '../policies/policy-services.ts';
import type { ClientCloseListener, Forwarder, ResponseObserver } from '../proxy/forwarder.ts';
import type { ApiRuntime, RuntimeSnapshot } from '../runtime/runtime-snapshot.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** What the steps need from the gateway they run in; one per gateway, shared by every request. */
export interface PipelineServices {
  limits: LimitStore;
  maxBodyBytes: number;
  now: () => number;
  onLimitStoreFailure(product: string, mode: 'open' | 'closed'): void;
  tokens: TokenService;
  forwarder: Forwarder;
  /** Token quotas of LLM APIs; absent, an LLM API's token quotas are not enforced (tests without them). */
  tokenLimits?: TokenLimitStore | undefined;
  /** Backend credentials and the trusted proxies, for the policy steps (gateway/POLICIES.md). */
  policies: PolicyServices;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_SEGMENTS: string[] = [];

/**
 * One request on its way through the steps, against one snapshot from start to end.
 * Each step reads what earlier ones decided and adds its own; the client's
 * `req.headers` are never rewritten, what goes upstream is `upstreamHeaders`.
 * A class with every field set in the constructor, so that all contexts share one shape.
 */
export class RequestContext {
  readonly req: IncomingMessage;
  /** Undefined for a WebSocket upgrade, which has only `socket` and `head`. */
  readonly res: ServerResponse | undefined;
  readonly socket: Socket | undefined;
  readonly head: Buffer | undefined;
  readonly runtime: RuntimeSnapshot;
  readonly services: PipelineServices;
  readonly exchange: Exchange;
  /** A step has answered the request itself (a preflight, the token service): no later step runs. */
  answered = false;
  /** The canonical path, its decoded segments (past the base path's trailing `/`) and the query to forward. */
  path = '';
  segments: string[] = NO_SEGMENTS;
  query: string | undefined = undefined;
  declaredLength: string | undefined = undefined;
  api: ApiRuntime | undefined = undefined;
  basePath = '';
  /** Where the segments after the base path start. */
  from = 0;
  /** The gateway's clock, read once for authentication and limits. */
  now = 0;
  /** Headers every answer carries from here on, refusals included; shared, so replaced rather than changed. */
  responseHeaders: Record<string, string> = NO_HEADERS;
  identity: Identity | undefined = undefined;
  grant: Grant | undefined = undefined;
  /** The credential the gateway consumed, left out of what goes upstream. */
  dropHeader: string | undefined = undefined;
  dropAuthorization: string | undefined = undefined;
  upstreamHeaders: IncomingHttpHeaders | undefined = undefined;
  /** Set by a path rewrite: the path toward the upstream, relative to its URL; otherwise the canonical path past the base path. */
  upstreamPath: string | undefined = undefined;
  /** The API's response header rules, applied by the forwarder to the upstream's answer. */
  rewriteResponse: ((headers: OutgoingHttpHeaders) => void) | undefined = undefined;
  /** The client's address as the policies see it (trusted proxies applied); read once, when a policy needs it. */
  clientIp: string | undefined = undefined;
  /** The request body, when a step had to read it (validation): what goes upstream instead of the consumed stream. */
  body: Buffer | undefined = undefined;
  /** The forwarding under way, told by the request's close listener when the client's side closes. */
  flight: ClientCloseListener | undefined = undefined;
  /** Watch the upstream's answer go by (the response cache, an LLM API's token meter); see `observeResponse`. */
  responseObservers: ResponseObserver[] | undefined = undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    socket: Socket | undefined,
    head: Buffer | undefined,
    runtime: RuntimeSnapshot,
    services: PipelineServices,
    exchange: Exchange,
  ) {
    this.req = req;
    this.res = res;
    this.socket = socket;
    this.head = head;
    this.runtime = runtime;
    this.services = services;
    this.exchange = exchange;
  }

  get websocket(): boolean {
    return this.res === undefined;
  }

  /** Adds a watcher of the upstream's answer; most requests have none, so the list is made on the first. */
  observeResponse(observer: ResponseObserver): void {
    (this.responseObservers ??= []).push(observer);
  }
}
