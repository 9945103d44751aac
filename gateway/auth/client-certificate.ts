import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Application } from '../snapshot/types.ts';

export interface CertificateMatch {
  application: Application;
  /** The certificate's name in the Application. */
  name: string;
}

/**
 * Application credentials that are client certificates (WSO2 mutual SSL). A certificate
 * matches by its SHA-256 fingerprint, whoever issued it (the TLS handshake proved the
 * client holds its key), or by its exact subject, and then only when the gateway's
 * client CA verified it: a subject anyone can write into a self-signed certificate.
 */
export class CertificateIndex {
  readonly #byFingerprint = new Map<string, CertificateMatch>();
  readonly #bySubject = new Map<string, CertificateMatch>();

  add(application: Application): void {
    for (const certificate of application.clientCertificates ?? []) {
      const match = { application, name: certificate.name };
      if (certificate.fingerprint) this.#byFingerprint.set(certificate.fingerprint.slice('sha256:'.length), match);
      if (certificate.subject) this.#bySubject.set(certificate.subject, match);
    }
  }

  get size(): number {
    return this.#byFingerprint.size + this.#bySubject.size;
  }

  /**
   * What the connection's client certificate identifies: `none` when the connection has
   * none (plain HTTP, or a TLS client that sent none), `unknown` when it matches no Application.
   */
  match(socket: Socket): CertificateMatch | 'none' | 'unknown' {
    const tls = socket as Partial<TLSSocket>;
    if (typeof tls.getPeerX509Certificate !== 'function') return 'none';
    const certificate = tls.getPeerX509Certificate();
    if (certificate === undefined) return 'none';
    const byPrint = this.#byFingerprint.get(certificate.fingerprint256.replaceAll(':', '').toLowerCase());
    if (byPrint) return byPrint;
    if (tls.authorized === true) {
      const bySubject = this.#bySubject.get(certificate.subject);
      if (bySubject) return bySubject;
    }
    return 'unknown';
  }
}
