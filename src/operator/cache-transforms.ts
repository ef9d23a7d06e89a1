/**
 * What the operator's caches drop from the objects they hold (informer transforms, see controller/informer.ts).
 */
import type { KubeObject } from '../controller/kube-client.ts';

/** `kubectl apply` keeps a copy of the whole applied manifest in this annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A migration without kubectl's copy of its last applied manifest: as big as the spec again, and nothing in the
 * operator reads it. Safe to drop from the cache because the operator writes a migration only through the status
 * subresource (which takes nothing but the status from the request) and merge patches of its finalizers.
 */
export function withoutLastApplied(obj: KubeObject): KubeObject {
  const annotations = obj.metadata?.annotations;
  if (!annotations || !(LAST_APPLIED_ANNOTATION in annotations)) return obj;
  const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = annotations;
  return { ...obj, metadata: { ...obj.metadata, annotations: rest } };
}
