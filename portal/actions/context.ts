import type { PortalUser } from '../access/user.ts';
import type { PortalBackend, RevealedCredential } from '../backend/backend.ts';

export interface PortalContext {
  backend: PortalBackend;
  user: PortalUser | undefined;
  /** Public products are listed to visitors who are not signed in. */
  anonymous: boolean;
  clock: () => Date;
  reveals: PendingReveals;
  /** How long a write waits for the change to show in the view (dev: the watcher; cluster: the operator). */
  settleMs: number;
}

/**
 * Credentials issued for a user's action and not shown yet (the operator had not
 * written the Secret when the action answered). Each is shown once, to the user
 * who asked, then forgotten. Kept in memory: a portal restart forgets them, and
 * the developer rotates again.
 */
export class PendingReveals {
  private readonly pending = new Map<string, Set<string>>();

  add(user: string, application: string, credential: string): void {
    const set = this.pending.get(user) ?? new Set<string>();
    set.add(`${application}/${credential}`);
    this.pending.set(user, set);
  }

  /** Takes (removes) the pending credentials of one application. */
  take(user: string, application: string): string[] {
    const set = this.pending.get(user);
    if (!set) return [];
    const taken = [...set].filter((k) => k.startsWith(`${application}/`));
    for (const k of taken) set.delete(k);
    return taken.map((k) => k.slice(application.length + 1));
  }
}

export interface ShownCredential extends RevealedCredential {
  application: string;
  name: string;
}
