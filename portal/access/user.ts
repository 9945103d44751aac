/** Who is signed in, as the portal and (through impersonation) the API server see them. */
export interface PortalUser {
  /** The Kubernetes user name the portal impersonates: the IdP's subject or email. */
  id: string;
  name: string;
  email?: string;
  /**
   * The groups passed on as Impersonate-Group: the team groups (valid namespaces) and the
   * approver group. Others the IdP asserted are dropped: the portal may impersonate only
   * the groups its role names, so passing them would refuse every request.
   */
  groups: string[];
  /** Namespaces the user acts in, from groups with the team prefix. */
  teams: string[];
  approver: boolean;
}

export interface GroupMapping {
  /** A group `<prefix><namespace>` makes its members a team of that namespace; default `tollgate:team:`. */
  teamPrefix: string;
  /** Members may approve and reject subscriptions; default `tollgate:approvers`. */
  approverGroup: string;
}

export const DEFAULT_GROUP_MAPPING: GroupMapping = { teamPrefix: 'tollgate:team:', approverGroup: 'tollgate:approvers' };

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A user from an IdP's claims; groups that do not name a valid namespace are ignored. */
export function userFromClaims(claims: Record<string, unknown>, mapping: GroupMapping, groupsClaim = 'groups'): PortalUser | undefined {
  const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const id = email ?? sub;
  if (!id) return undefined;
  const raw = claims[groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const teams = groups.flatMap((g) => (g.startsWith(mapping.teamPrefix) ? [g.slice(mapping.teamPrefix.length)] : [])).filter((t) => NAMESPACE.test(t));
  const approver = groups.includes(mapping.approverGroup);
  const mapped = [...teams.map((t) => `${mapping.teamPrefix}${t}`), ...(approver ? [mapping.approverGroup] : [])];
  return {
    id,
    name: typeof claims.name === 'string' ? claims.name : id,
    ...(email ? { email } : {}),
    groups: [...new Set(mapped)].sort(),
    teams: [...new Set(teams)].sort(),
    approver,
  };
}
