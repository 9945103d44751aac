// The hello estate most end-to-end tests apply: an API in front of the example
// backend, a product over it, an Application and its Subscription. One source,
// so that the tests vary it by the fields they are about and nothing else.

export type HelloApi = {
  upstream: string;
  /** The API's context; `/hello-<ns>` unless given, so namespaces do not collide on one gateway. */
  context?: string;
  version?: string;
  displayName?: string;
};

export type HelloProduct = {
  /** `paths: [/]` on the operation unless false. */
  paths?: boolean;
  quota?: { limit: number; timeUnit: string };
};

export type HelloEstate = HelloApi &
  HelloProduct & {
    /** The Application's name (greetings unless given); its Subscription is `<application>-hello` unless `subscription` names it. */
    application?: string;
    subscription?: string;
    /** Lines appended to the Subscription document (a stray status, say). */
    subscriptionTail?: string;
  };

export const helloApi = (ns: string, o: HelloApi) => `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: hello, namespace: ${ns} }
spec:
  context: ${o.context ?? `/hello-${ns}`}
  version: ${o.version ?? '1.0.0'}
${o.displayName ? `  displayName: ${o.displayName}\n` : ''}  upstream: { urls: ["${o.upstream}"] }
`;

export const helloProduct = (ns: string, o: HelloProduct = {}) => `apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: hello, namespace: ${ns} }
spec:
  operations: [{ api: hello${o.paths === false ? '' : ', paths: [/]'} }]
${o.quota ? `  quota: { limit: ${o.quota.limit}, timeUnit: ${o.quota.timeUnit} }\n` : ''}`;

/** An Application of that name subscribed to the hello product. */
export const helloSubscriber = (ns: string, application: string, subscription = `${application}-hello`, tail = '') => `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: ${application}, namespace: ${ns} }
spec:
  owner: { email: dev@example.com }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: ${subscription}, namespace: ${ns} }
spec:
  application: ${application}
  product: { name: hello }
${tail}`;

/** All four objects, as one multi-document YAML for `kubectl apply -f -`. */
export function helloEstate(ns: string, o: HelloEstate): string {
  const application = o.application ?? 'greetings';
  return [helloApi(ns, o), helloProduct(ns, o), helloSubscriber(ns, application, o.subscription, o.subscriptionTail)].join('---\n');
}
