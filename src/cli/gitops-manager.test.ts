import { describe, expect, it } from '@jest/globals';
import { gitOpsManager } from './gitops-manager.ts';

describe('gitOpsManager', () => {
  it.each([
    [
      'a Flux Kustomization',
      { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } },
      { tool: 'Flux', owner: 'Kustomization flux-system/apps', evidence: 'label kustomize.toolkit.fluxcd.io/name' },
    ],
    [
      'a Flux HelmRelease',
      { labels: { 'helm.toolkit.fluxcd.io/name': 'sv-kms', 'helm.toolkit.fluxcd.io/namespace': 'sv' } },
      { tool: 'Flux', owner: 'HelmRelease sv/sv-kms', evidence: 'label helm.toolkit.fluxcd.io/name' },
    ],
    ['a Flux label without the name', { labels: { 'kustomize.toolkit.fluxcd.io/checksum': 'x' } }, { tool: 'Flux', owner: 'Kustomization', evidence: 'label kustomize.toolkit.fluxcd.io/checksum' }],
    [
      'an Argo CD tracking annotation',
      { annotations: { 'argocd.argoproj.io/tracking-id': 'sv-kms:svkms.dev/SvKmsMigration:sv-kms/acme' } },
      { tool: 'Argo CD', owner: 'Application sv-kms', evidence: 'annotation argocd.argoproj.io/tracking-id' },
    ],
    ['an Argo CD instance label', { labels: { 'argocd.argoproj.io/instance': 'sv-kms' } }, { tool: 'Argo CD', owner: 'Application sv-kms', evidence: 'label argocd.argoproj.io/instance' }],
    [
      'app.kubernetes.io/instance with an Argo CD sync-wave annotation',
      { labels: { 'app.kubernetes.io/instance': 'sv-kms' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      { tool: 'Argo CD', owner: 'Application sv-kms', evidence: 'label app.kubernetes.io/instance (Argo CD label tracking)' },
    ],
    [
      'app.kubernetes.io/instance written by an Argo CD field manager',
      { labels: { 'app.kubernetes.io/instance': 'sv-kms' }, managedFields: [{ manager: 'argocd-controller' }] },
      { tool: 'Argo CD', owner: 'Application sv-kms', evidence: 'label app.kubernetes.io/instance (Argo CD label tracking)' },
    ],
  ])('sees %s', (_what, meta, expected) => {
    expect(gitOpsManager(meta)).toEqual(expected);
  });

  it.each([
    ['no metadata', {}],
    ['unrelated labels', { labels: { app: 'sv', team: 'platform' } }],
    ['app.kubernetes.io/instance alone (Helm sets it too)', { labels: { 'app.kubernetes.io/instance': 'sv-kms' }, managedFields: [{ manager: 'helm' }, {}] }],
  ])('sees no GitOps tool with %s', (_what, meta) => {
    expect(gitOpsManager(meta)).toBeUndefined();
  });
});
