import { X509Certificate } from 'node:crypto';
import type { Application, ClientCertificate } from '../../gateway/snapshot/types.ts';
import { objectId, type ApplicationResource } from '../resources/types.ts';
import { ConditionSet, Reason } from './conditions.ts';
import { precedence } from './order.ts';
import { ipAccess } from './process-api-policies.ts';

/**
 * An Application's policies: client certificates (normalised to `sha256:<hex>` or an
 * exact subject; one certificate identifies one application, the oldest claiming it wins),
 * the application-wide quota and IP rules. Sets nothing when the spec declares none.
 */
export function applicationPolicies(r: ApplicationResource, application: Application, cs: ConditionSet, owners: Map<string, ApplicationResource>): void {
  const s = r.spec;
  if (s.clientCertificates?.length) {
    const certificates: ClientCertificate[] = [];
    for (const [i, c] of s.clientCertificates.entries()) {
      const compiled = clientCertificate(c, `spec.clientCertificates[${i}]`, cs);
      if (!compiled) continue;
      const key = compiled.fingerprint ?? `subject ${compiled.subject}`;
      const owner = owners.get(key);
      if (owner) {
        cs.caveat(Reason.PartialConflict, `client certificate ${c.name} is already Application ${objectId(owner)}'s, ${precedence(owner, r)}`);
        continue;
      }
      owners.set(key, r);
      certificates.push(compiled);
    }
    application.clientCertificates = certificates;
  }
  if (s.quota) application.quota = { limit: s.quota.limit, interval: s.quota.interval, timeUnit: s.quota.timeUnit };
  if (s.ipAccess) application.ipAccess = ipAccess(s.ipAccess, 'spec.ipAccess', cs);
}

function clientCertificate(
  c: NonNullable<ApplicationResource['spec']['clientCertificates']>[number],
  field: string,
  cs: ConditionSet,
): ClientCertificate | undefined {
  if (c.fingerprint) {
    const hex = c.fingerprint
      .replace(/^sha256:/, '')
      .replaceAll(':', '')
      .toLowerCase();
    return { name: c.name, fingerprint: `sha256:${hex}` };
  }
  if (c.subject) return { name: c.name, subject: c.subject };
  if (c.certificate) {
    try {
      const x509 = new X509Certificate(c.certificate);
      return { name: c.name, fingerprint: 'sha256:' + x509.fingerprint256.replaceAll(':', '').toLowerCase() };
    } catch {
      // OpenSSL's reason differs between versions: the field says what to fix.
      cs.notAccepted(Reason.Invalid, 'not a PEM certificate', { field: `${field}.certificate` });
      return undefined;
    }
  }
  cs.notAccepted(Reason.Invalid, 'set one of fingerprint, subject and certificate', { field });
  return undefined;
}
