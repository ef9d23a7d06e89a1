/**
 * Kubernetes helpers for tests and the demo: installing the CRDs, unique namespaces, the shared test kubeconfig.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT, testBinaries } from './binaries.ts';

/** Env var through which the global setup hands the test control plane's kubeconfig to the tests. */
export const TEST_KUBECONFIG_ENV = 'SVKMS_TEST_KUBECONFIG';

/** The kubeconfig of the control plane the Jest global setup started. */
export function testKubeConfig(): KubeConfig {
  const path = process.env[TEST_KUBECONFIG_ENV];
  if (!path) throw new Error(`${TEST_KUBECONFIG_ENV} is not set: this test needs the control plane of the Jest global setup (unset SVKMS_NO_CONTROL_PLANE)`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/**
 * Applies the CRDs in crds/ (server-side apply with kubectl) and waits until each is Established.
 *
 * Not through client-node's typed CRD API: its serializer maps JSONSchemaProps to model fields (`_default`,
 * `xKubernetesValidations`) and silently drops `default` and `x-kubernetes-validations` written as in YAML.
 */
export function installCrds(kubeconfigPath: string, timeoutSeconds = 30): void {
  const kubectl = (...args: string[]) =>
    execFileSync(testBinaries().kubectl, ['--kubeconfig', kubeconfigPath, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=sv-kms-tests', '-f', join(REPO_ROOT, 'crds'));
  // Right after the apply, `kubectl wait` can fail with ".status.conditions accessor error: <nil>" (no status yet).
  for (let attempt = 1; ; attempt++) {
    try {
      kubectl('wait', '--for=condition=Established', `--timeout=${timeoutSeconds}s`, '-f', join(REPO_ROOT, 'crds'));
      return;
    } catch (err) {
      if (attempt >= 10) throw err;
      execFileSync('sleep', ['0.2']);
    }
  }
}

/** Creates a namespace with a unique name (envtest never finishes deleting namespaces, so tests never reuse one). */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}
