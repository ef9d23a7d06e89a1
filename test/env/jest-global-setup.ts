/**
 * Jest global setup of the integration project: one control plane (etcd + kube-apiserver) for the whole run, with
 * the CRDs installed. SVKMS_NO_CONTROL_PLANE=1 skips it for suites that need no API server.
 */
import { LocalControlPlane } from './control-plane.ts';
import { installCrds, TEST_KUBECONFIG_ENV } from './kube.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEAK_DIR_ENV } from '../support/leak-scan.ts';

declare global {
  var __svkmsControlPlane: LocalControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  // For the processes tests spawn (operators, CLIs): no cloud metadata probes (see jest-env.ts).
  await import('./jest-env.ts');
  if (process.env.SVKMS_NO_CONTROL_PLANE === '1') return;
  process.env[LEAK_DIR_ENV] = mkdtempSync(join(tmpdir(), 'svkms-emitted-'));
  const cp = await LocalControlPlane.start();
  globalThis.__svkmsControlPlane = cp;
  process.env[TEST_KUBECONFIG_ENV] = cp.kubeconfigPath;
  installCrds(cp.kubeconfigPath);
}
