import type { PortalProduct } from '../../operator/portal-view/portal-view.ts';
import type { PortalUser } from './user.ts';

/**
 * Who sees what in the catalogue (Apigee's access levels): public products to
 * anyone signed in, and to anonymous visitors when the portal allows them;
 * private ones only to members of the namespaces they allow; internal ones to
 * nobody in the catalogue, though those namespaces may still open and subscribe
 * to them by name.
 */
export function listedFor(product: PortalProduct, user: PortalUser | undefined, anonymous: boolean): boolean {
  if (product.access === 'internal') return false;
  return visibleTo(product, user, anonymous);
}

/** May open the product's page (internal included for the namespaces it allows). */
export function visibleTo(product: PortalProduct, user: PortalUser | undefined, anonymous: boolean): boolean {
  if (product.access === 'public') return user !== undefined || anonymous;
  return user !== undefined && user.teams.some((t) => product.allowedNamespaces.includes(t));
}

/** May subscribe an application of `namespace` (the compiler refuses the rest anyway). */
export function subscribableFrom(product: PortalProduct, namespace: string): boolean {
  return product.access === 'public' || product.allowedNamespaces.includes(namespace);
}

export function actsIn(user: PortalUser | undefined, namespace: string): boolean {
  return user !== undefined && user.teams.includes(namespace);
}

/** Case-insensitive search over name, description, categories, tags and API names; every word must match. */
export function matches(product: PortalProduct, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const text = [product.displayName, product.name, product.description, ...product.categories, ...product.tags, ...product.apis.map((a) => a.displayName)]
    .join(' ')
    .toLowerCase();
  return words.every((w) => text.includes(w));
}
