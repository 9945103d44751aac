import type {
  APIProductSpec,
  APIProductStatus,
  APISpec,
  APIStatus,
  ApplicationSpec,
  ApplicationStatus,
  SubscriptionSpec,
  SubscriptionStatus,
} from './types.generated.ts';
import type { OpenApiLoad } from '../openapi/openapi-load.ts';

export type { APIProductSpec, APISpec, ApplicationSpec, SubscriptionSpec };

export const GROUP = 'tollgate.dev';
export const API_VERSION = 'tollgate.dev/v1alpha1';
export const KINDS = ['API', 'APIProduct', 'Application', 'Subscription'] as const;
export type Kind = (typeof KINDS)[number];

export interface ObjectMeta {
  name: string;
  namespace: string;
  generation: number;
  creationTimestamp?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where an object was read from, when it came from a file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** The line of an API's `spec.openAPI.inline` field, so that problems in the document point into this file. */
  openApiInlineLine?: number;
}

export interface Resource<K extends Kind, Spec, Status> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
  source?: SourceLocation;
}

export type ApiResource = Resource<'API', APISpec, APIStatus>;
export type ProductResource = Resource<'APIProduct', APIProductSpec, APIProductStatus>;
export type ApplicationResource = Resource<'Application', ApplicationSpec, ApplicationStatus>;
export type SubscriptionResource = Resource<'Subscription', SubscriptionSpec, SubscriptionStatus>;
export type AnyResource = ApiResource | ProductResource | ApplicationResource | SubscriptionResource;

/**
 * What the credential store knows of one application credential: hashes and
 * non-secret facts only. The compiler reads this view; it never makes keys.
 */
export interface CredentialView {
  /** `namespace/name` of the Application. */
  application: string;
  name: string;
  keyHash: string;
  secretHash?: string;
  /** The non-secret start of the key, shown in status to tell keys apart. */
  keyPrefix: string;
  issuedAt: string;
  /** The Secret (Kubernetes) or state file (dev) that holds the key. */
  secretName?: string;
}

/** Everything the compiler reads: the same bag from a directory or from the cluster. */
export interface Resources {
  apis: ApiResource[];
  products: ProductResource[];
  applications: ApplicationResource[];
  subscriptions: SubscriptionResource[];
  credentials: CredentialView[];
  /**
   * Each API's OpenAPI document by API id (`namespace/name`), read, validated and
   * resolved at the edge (files, ConfigMaps) before the compiler runs; absent where
   * no edge read them.
   */
  openApi?: Map<string, OpenApiLoad>;
}

export function emptyResources(): Resources {
  return { apis: [], products: [], applications: [], subscriptions: [], credentials: [] };
}

// Re-exported so the existing importers keep their import path.
export { objectId, objectRef } from './object-key.ts';
