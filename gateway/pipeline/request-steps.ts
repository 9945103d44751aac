import { accessStep } from './access-step.ts';
import { authenticateStep } from './authenticate-step.ts';
import { authoriseStep } from './authorise-step.ts';
import { canonicaliseStep } from './canonicalise-step.ts';
import { corsStep } from './cors-step.ts';
import { forwardStep } from './forward-step.ts';
import { lifecycleStep } from './lifecycle-step.ts';
import { jsonThreatStep } from './json-threat-step.ts';
import { limitStep } from './limit-step.ts';
import { mcpStep } from './mcp-step.ts';
import { mcpUpstreamGuardStep } from './mcp-upstream-guard-step.ts';
import { mediationStep } from './mediation-step.ts';
import { mockStep } from './mock-step.ts';
import { operationStep } from './operation-step.ts';
import { policyLimitStep } from './policy-limit-step.ts';
import { responseCacheStep } from './response-cache-step.ts';
import { routeStep } from './route-step.ts';
import type { Step } from './run-steps.ts';
import { STEP_TIMING, timedSteps } from './step-timing.ts';
import { tokenEndpointStep } from './token-endpoint-step.ts';
import { tokenLimitStep } from './token-limit-step.ts';
import { transformStep } from './transform-step.ts';
import { validateRequestStep } from './validate-request-step.ts';

/**
 * The request path, for plain requests and WebSocket upgrades alike; a new policy is
 * one more step here, reading its snapshot field from `ctx.api`. The order is part of
 * the contract: CORS before lifecycle and credentials (see cors-step.ts), limits only
 * for a request that is allowed, and nothing rewritten for the upstream until all have passed.
 * The policy steps (access, policy limits, mediation) are gateway/POLICIES.md.
 */
const STEPS: readonly Step[] = Object.freeze([
  tokenEndpointStep,
  canonicaliseStep,
  mcpStep,
  routeStep,
  mcpUpstreamGuardStep,
  corsStep,
  lifecycleStep,
  accessStep,
  operationStep,
  authenticateStep,
  authoriseStep,
  limitStep,
  policyLimitStep,
  jsonThreatStep,
  validateRequestStep,
  mockStep,
  responseCacheStep,
  transformStep,
  tokenLimitStep,
  mediationStep,
  forwardStep,
]);

export const REQUEST_STEPS: readonly Step[] = STEP_TIMING ? timedSteps(STEPS) : STEPS;
