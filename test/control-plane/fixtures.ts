// Minimal valid objects of each Tollgate kind, for tests that need the API
// server to accept something. Kept small on purpose: the full shapes belong in
// examples/, which this can give way to once it exists.
export const validObjects = `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: hello
spec:
  context: /hello
  version: v1
  upstream:
    urls: [http://127.0.0.1:9999]
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata:
  name: hello-product
spec:
  displayName: Hello product
  operations:
    - api: hello
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata:
  name: hello-app
spec:
  owner:
    email: dev@example.com
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata:
  name: hello-sub
spec:
  application: hello-app
  product:
    name: hello-product
`;

/** An API whose spec.context breaks the schema's pattern. */
export const apiWithBadContext = `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: bad-context
spec:
  context: no-leading-slash
  version: v1
  upstream:
    urls: [http://127.0.0.1:9999]
`;

/** An API that passes the schema but breaks the CEL rule tying sunset to lifecycle. */
export const apiWithSunsetButPublished = `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata:
  name: bad-sunset
spec:
  context: /sunset
  version: v1
  lifecycle: Published
  sunset: "2030-01-01T00:00:00Z"
  upstream:
    urls: [http://127.0.0.1:9999]
`;
