import type { ServerResponse } from 'node:http';

/**
 * The headers every answer carries. The CSP allows scripts and styles from the
 * portal alone (no inline script anywhere); `connect` adds the gateway's origin
 * for the try-out console.
 */
export function setSecurityHeaders(res: ServerResponse, options: { connect: string[]; secure: boolean; inlineStyles?: boolean }): void {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    // Swagger UI sets style attributes from its script; nothing else needs inline styles.
    `style-src 'self'${options.inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${options.connect.join(' ')}`.trim(),
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  if (options.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}
