import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { TokenService } from '../tokens/token-service.ts';

export type SetSigningKeys = (candidate: unknown, source?: string) => { ok: true } | { ok: false; errors: string[] };

/** The gateway's token service, and the logged way to swap its signing keys; keys given at start must be valid. */
export function createTokenService(
  options: { signingKeys?: unknown; tokenFailures?: { perClient: number; perSource: number } },
  now: () => number,
  metrics: GatewayMetrics,
  logger: Logger,
): { tokens: TokenService; setSigningKeys: SetSigningKeys } {
  const tokens = new TokenService({
    now,
    metrics,
    ...(options.tokenFailures ? { failuresPerClient: options.tokenFailures.perClient, failuresPerSource: options.tokenFailures.perSource } : {}),
  });
  const setSigningKeys: SetSigningKeys = (candidate, source = 'api') => {
    const result = tokens.setSigningKeys(candidate);
    if (result.ok) logger.info({ source }, 'signing keys applied');
    else logger.error({ source, errors: result.errors }, 'signing keys refused; the current ones keep signing');
    return result;
  };
  if (options.signingKeys !== undefined) {
    const result = setSigningKeys(options.signingKeys, 'options');
    if (!result.ok) throw new Error(`the signing keys are invalid: ${result.errors.join('; ')}`);
  }
  return { tokens, setSigningKeys };
}
