/** A bearer token: fixed, or read each time from where it is kept current (startTokenFile). */
export type Token = string | (() => string | undefined);

export function tokenValue(token: Token | undefined): string | undefined {
  return typeof token === 'function' ? token() : token;
}
