import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { PortalUser } from '../access/user.ts';

/** What the session cookie carries, encrypted (A256GCM): the user, the CSRF token, a sign-in in flight. */
export interface Session {
  user?: PortalUser;
  csrf: string;
  /** The OpenID Connect state, nonce and PKCE verifier of a sign-in in flight. */
  login?: { state: string; nonce: string; verifier: string; returnTo: string };
}

export interface SessionCookies {
  read(req: IncomingMessage): Promise<Session | undefined>;
  /** A Set-Cookie header value. */
  write(session: Session): Promise<string>;
  clear(): string;
}

/**
 * Sessions in one encrypted, HttpOnly, SameSite=Lax cookie (Lax so the IdP's
 * redirect back carries it), `Secure` with the `__Host-` prefix when the
 * portal is served over HTTPS. Nothing is kept on the server, so any replica
 * can answer any request.
 */
export function sessionCookies(options: { key: Uint8Array; secure: boolean; maxAgeSeconds?: number; now?: () => number }): SessionCookies {
  const name = options.secure ? '__Host-tollgate-session' : 'tollgate-session';
  const maxAge = options.maxAgeSeconds ?? 8 * 3600;
  const now = options.now ?? Date.now;
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
  return {
    async read(req) {
      const value = cookieValue(req.headers.cookie, name);
      if (!value || value.length > 8192) return undefined;
      try {
        const { payload } = await jwtDecrypt(value, options.key, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          currentDate: new Date(now()),
        });
        return payload.s as Session;
      } catch {
        return undefined;
      }
    },
    async write(session) {
      const iat = Math.floor(now() / 1000);
      const token = await new EncryptJWT({ s: session })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + maxAge)
        .encrypt(options.key);
      return `${name}=${token}; ${attributes}; Max-Age=${maxAge}`;
    },
    clear: () => `${name}=; ${attributes}; Max-Age=0`,
  };
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export const newToken = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || submitted.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(submitted), Buffer.from(session.csrf));
}
