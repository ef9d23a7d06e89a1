/**
 * `npm run demo` on this machine, non-interactively: it must reach Completed, show `kubectl get skm -o wide`, exit 0
 * and leave no process behind.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../env/binaries.ts';

describe('npm run demo', () => {
  it('runs a whole migration to Completed and exits 0', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'demo', 'run.ts'), '--fast'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, CI: 'true' } });
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, output: run.status === 0 ? '' : output }).toEqual({ status: 0, output: '' });
    expect(run.stdout).toContain('phase Retiring → Completed');
    expect(run.stdout).toContain('condition met');
    expect(run.stdout).toMatch(/acme-to-aws-kms\s+Completed\s+aws\s+Acme-1\s+Acme-2\s+0\s+1650000\s+True/);
    for (const gate of ['weightTransfer', 'assetTransfer', 'offboarding', 'retirement']) expect(run.stdout).toContain(`spec.workflow.${gate}.approved: true`);
  }, 320_000);
});
