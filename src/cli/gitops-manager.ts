/**
 * Tells whether a GitOps tool owns an object, from the marks each tool leaves on what it applies. A change made with
 * `kubectl` to such an object is reverted (or reported as drift) on the next sync, so the CLI refuses it and points at
 * the Git change instead.
 *
 * The marks relied on (from the tools' documentation):
 * - Flux's kustomize-controller labels what it applies `kustomize.toolkit.fluxcd.io/name` and `/namespace` (the
 *   Kustomization); helm-controller labels release objects `helm.toolkit.fluxcd.io/name` and `/namespace`.
 * - Argo CD tracks resources by the annotation `argocd.argoproj.io/tracking-id` (`<app>:<group>/<kind>:<ns>/<name>`,
 *   annotation tracking, the default since Argo CD 3.0), by the label `argocd.argoproj.io/instance` (a common custom
 *   tracking label), or by `app.kubernetes.io/instance` (label tracking, the default before 3.0). Helm sets
 *   `app.kubernetes.io/instance` too, so that label alone counts only with another sign of Argo CD on the object: an
 *   `argocd.argoproj.io/*` label or annotation, or a managedFields entry of an Argo CD field manager.
 */

/** The metadata this module reads. */
export interface ManagedMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: readonly { manager?: string }[];
}

/** The GitOps tool that owns an object, what owns it there, and the mark that shows it. */
export interface GitOpsManager {
  tool: 'Flux' | 'Argo CD';
  /** e.g. `Kustomization flux-system/apps`, `Application sv-kms`. */
  owner: string;
  /** e.g. `label kustomize.toolkit.fluxcd.io/name`. */
  evidence: string;
}

const FLUX_KINDS = [
  { prefix: 'kustomize.toolkit.fluxcd.io/', kind: 'Kustomization' },
  { prefix: 'helm.toolkit.fluxcd.io/', kind: 'HelmRelease' },
] as const;

const ARGO_PREFIX = 'argocd.argoproj.io/';

function fluxManager(labels: Record<string, string>): GitOpsManager | undefined {
  for (const { prefix, kind } of FLUX_KINDS) {
    const mark = Object.keys(labels).find((k) => k.startsWith(prefix));
    if (mark === undefined) continue;
    const name = labels[`${prefix}name`];
    const namespace = labels[`${prefix}namespace`];
    const owner = name === undefined ? kind : namespace === undefined ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
    return { tool: 'Flux', owner, evidence: `label ${mark}` };
  }
  return undefined;
}

function argoManager(meta: ManagedMetadata, labels: Record<string, string>, annotations: Record<string, string>): GitOpsManager | undefined {
  const trackingId = annotations[`${ARGO_PREFIX}tracking-id`];
  if (trackingId !== undefined) {
    const app = trackingId.split(':')[0] ?? '';
    return { tool: 'Argo CD', owner: app ? `Application ${app}` : 'an Application', evidence: `annotation ${ARGO_PREFIX}tracking-id` };
  }
  const instance = labels[`${ARGO_PREFIX}instance`];
  if (instance !== undefined) return { tool: 'Argo CD', owner: `Application ${instance}`, evidence: `label ${ARGO_PREFIX}instance` };
  const labelTracked = labels['app.kubernetes.io/instance'];
  if (labelTracked === undefined) return undefined;
  const argoMark =
    [...Object.keys(labels), ...Object.keys(annotations)].some((k) => k.startsWith(ARGO_PREFIX)) ||
    (meta.managedFields ?? []).some((f) => (f.manager ?? '').startsWith('argocd'));
  return argoMark ? { tool: 'Argo CD', owner: `Application ${labelTracked}`, evidence: 'label app.kubernetes.io/instance (Argo CD label tracking)' } : undefined;
}

/** The GitOps tool that owns an object with this metadata, or undefined when none does. */
export function gitOpsManager(meta: ManagedMetadata): GitOpsManager | undefined {
  const labels = meta.labels ?? {};
  const annotations = meta.annotations ?? {};
  return fluxManager(labels) ?? argoManager(meta, labels, annotations);
}
