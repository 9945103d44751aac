import type { Resources } from '../operator/resources/types.ts';

export interface Band {
  upTo?: number;
  pricePer1000: number;
}

export interface Pricing {
  currency: string;
  monthlyFee?: number;
  includedCalls?: number;
  bands?: Band[];
  /** Per million LLM tokens, on top of the calls. */
  tokens?: { promptPer1M?: number; completionPer1M?: number };
}

/** What reports and invoices need to know beyond the ledger: who owns each application, what each plan costs. */
export interface Catalog {
  /** Application id (`namespace/name`) to its owner's email. */
  owners: Map<string, string>;
  /** Product id to its plans' pricing and the plan of subscriptions that name none. */
  products: Map<string, { defaultPlan: string | undefined; plans: Map<string, Pricing | undefined> }>;
}

export function emptyCatalog(): Catalog {
  return { owners: new Map(), products: new Map() };
}

/** The catalog from a Resources bag (a YAML directory or the cluster). */
export function catalogOf(resources: Resources): Catalog {
  const owners = new Map<string, string>();
  for (const app of resources.applications) owners.set(`${app.metadata.namespace}/${app.metadata.name}`, app.spec.owner.email.toLowerCase());
  const products: Catalog['products'] = new Map();
  for (const product of resources.products) {
    const plans = new Map<string, Pricing | undefined>();
    for (const plan of product.spec.plans ?? []) plans.set(plan.name, plan.pricing);
    products.set(`${product.metadata.namespace}/${product.metadata.name}`, {
      defaultPlan: product.spec.defaultPlan ?? product.spec.plans?.[0]?.name,
      plans,
    });
  }
  return { owners, products };
}
