/**
 * Jest global teardown: the secret-leak scan over everything the run's operators emitted (it fails the run on a
 * leak), then the control plane of the global setup stops.
 */
import { rmSync } from 'node:fs';
import { LEAK_DIR_ENV, scanForLeaks } from '../support/leak-scan.ts';
import { TEST_AWS_SECRET_ACCESS_KEY, TEST_GCP_PRIVATE_KEY } from '../support/migrations.ts';

export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__svkmsControlPlane;
  const leakDir = process.env[LEAK_DIR_ENV];
  try {
    if (cp) {
      const { leaks, secrets, haystacks } = await scanForLeaks(cp.kubeConfig(), leakDir, [TEST_AWS_SECRET_ACCESS_KEY, TEST_GCP_PRIVATE_KEY]);
      if (leaks.length > 0) {
        throw new Error(`secret leak scan: ${leaks.length} leak(s):\n${leaks.map((l) => `  ${l.source}: ${l.secret} (${l.form})`).join('\n')}`);
      }
      process.stdout.write(`\nsecret leak scan: ${secrets} secret values, ${haystacks} outputs (logs, Events, statuses, ConfigMaps): no leak\n`);
    }
  } finally {
    await cp?.stop();
    globalThis.__svkmsControlPlane = undefined;
    if (leakDir) rmSync(leakDir, { recursive: true, force: true });
  }
}
