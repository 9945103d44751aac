/**
 * The smallest estate that serves a key: API `shop/orders` at /orders/v1 on `upstream`, a product
 * over all of it, Application `shop/shopper` with the given credentials (a YAML flow list), and,
 * unless `subscribed` is false, its subscription to the product.
 */
export function shopYaml(upstream: string, credentials: string, subscribed = true): string {
  const subscription = `---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: shopper-orders, namespace: shop }
spec: { application: shopper, product: { name: orders } }
`;
  return `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orders, namespace: shop }
spec: { context: /orders, version: v1, upstream: { urls: ["${upstream}"] } }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: orders, namespace: shop }
spec: { operations: [{ api: orders, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: shopper, namespace: shop }
spec:
  owner: { email: dev@shop.example }
  credentials: ${credentials}
${subscribed ? subscription : ''}`;
}
