// swagger2openapi ships no types; this is the one call Tollgate makes.
declare module 'swagger2openapi' {
  export function convertObj(
    swagger: object,
    options: { patch?: boolean; warnOnly?: boolean; resolve?: boolean },
  ): Promise<{ openapi: Record<string, unknown> }>;
}
