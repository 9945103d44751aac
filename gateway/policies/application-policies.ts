import { CertificateIndex } from '../auth/client-certificate.ts';
import type { Application } from '../snapshot/types.ts';
import { compileIpAccess, type CompiledIpAccess } from './ip-access.ts';

/** Applications' IP rules and client certificates, indexed once per snapshot; each absent when no application has any. */
export function applicationPolicies(applications: readonly Application[]): {
  ipAccess: Map<string, CompiledIpAccess> | undefined;
  certificates: CertificateIndex | undefined;
} {
  let ipAccess: Map<string, CompiledIpAccess> | undefined;
  const certificates = new CertificateIndex();
  const errors: string[] = [];
  for (const application of applications) {
    if (application.ipAccess)
      (ipAccess ??= new Map()).set(application.id, compileIpAccess(application.ipAccess, errors, `applications[${application.id}].ipAccess`));
    certificates.add(application);
  }
  if (errors.length) throw new Error(errors.join('; '));
  return { ipAccess, certificates: certificates.size > 0 ? certificates : undefined };
}
