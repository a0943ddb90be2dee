// The unit every source produces and the model consumes: one immutable snapshot of all
// input resources after a debounced batch of changes (docs/design.md). Sources keep
// the SAME object for an unchanged resource from one bundle to the next, so the model can
// reuse its cached results by identity ("structural sharing").

/** Where a document came from, for error messages (`examples/api.yaml:12`). */
export interface SourceLocation {
  file: string;
  line: number; // 1-based line of the document's first line
}

/** A Kubernetes-shaped object as read; nothing is validated yet (the model does that). */
export interface KubeObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: {
    name?: unknown;
    namespace?: unknown;
    labels?: unknown;
    generation?: unknown;
    resourceVersion?: unknown;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface BundleResource {
  readonly object: Readonly<KubeObject>;
  readonly location?: SourceLocation;
}

/** A document the source could not even parse (bad YAML, not an object). */
export interface SourceError {
  readonly location: SourceLocation;
  readonly message: string;
}

export interface ResourceBundle {
  /** Increases with every bundle a source emits. */
  readonly revision: number;
  /** Attaché CRDs plus Kubernetes Services, EndpointSlices, Secrets and ConfigMaps. */
  readonly resources: readonly BundleResource[];
  readonly errors: readonly SourceError[];
}

/** Kinds the model reads; anything else in a bundle gets an "unsupported kind" status. */
export const KUBERNETES_KINDS = ["Service", "EndpointSlice", "Secret", "ConfigMap"] as const;
