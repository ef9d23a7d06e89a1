/**
 * The secret-leak scan itself (test/support/leak-scan.ts, run in the global teardown of every integration run): it
 * must find a planted leak in every encoding and every kind of output, or its passing means nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../../src/controller/kube-access.ts';
import { RESOURCES } from '../../src/operator/resources.ts';
import { findLeaks, scanForLeaks } from '../support/leak-scan.ts';
import { generateGovernanceKey } from '../../src/keys/governance-key.ts';

describe('findLeaks', () => {
  const secret = 'client-secret-' + randomBytes(8).toString('hex');
  it.each([
    ['raw', secret],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64url', Buffer.from(secret).toString('base64url')],
    ['hex', Buffer.from(secret).toString('hex')],
  ])('finds a secret planted %s', (form, planted) => {
    const leaks = findLeaks([secret], [{ source: 'log', text: `{"msg":"oops ${planted} here"}` }]);
    expect(leaks.map((l) => l.form)).toContain(form);
    expect(leaks.every((l) => l.source === 'log' && !l.secret.includes(secret))).toBe(true);
  });

  // A secret with what JSON and URLs escape: quotes, a backslash, newlines (a PEM key), '/', '+', '&', '=', a space, non-ASCII.
  const awkward = `-----BEGIN KEY-----\n"q"\\ /+&= é ${randomBytes(8).toString('hex')}\n-----END KEY-----`;
  it.each([
    ['json-escaped', JSON.stringify(awkward).slice(1, -1)],
    ['json-escaped-ascii', JSON.stringify(awkward).slice(1, -1).replace('é', '\\u00e9')],
    ['url-encoded', encodeURIComponent(awkward)],
    ['form-encoded', new URLSearchParams({ s: awkward }).toString().slice(2)],
  ])('finds a secret planted %s (and not as raw text)', (form, planted) => {
    expect(planted.includes(awkward)).toBe(false);
    const leaks = findLeaks([awkward], [{ source: 'log', text: `{"msg":"oops ${planted} here"}` }]);
    expect(leaks.map((l) => l.form)).toContain(form);
  });

  it('finds a base64 private key by its raw bytes, and reports no secret in full', async () => {
    const pair = await generateGovernanceKey();
    const leaks = findLeaks([pair.private], [{ source: 'event', text: Buffer.from(pair.private, 'base64').toString('hex') }]);
    expect(leaks.map((l) => l.form)).toEqual(['decoded-hex']);
    expect(JSON.stringify(leaks)).not.toContain(pair.private);
  });

  it('stays quiet on clean output', () => {
    expect(findLeaks(['a-secret-that-is-long-enough'], [{ source: 'log', text: 'nothing to see' }])).toEqual([]);
  });
});

describe('scanForLeaks against the cluster', () => {
  let namespace: string;
  let client: KubeClient;
  let leakDir: string;
  const secret = 'planted-' + randomBytes(12).toString('hex');

  beforeAll(async () => {
    const kc = testKubeConfig();
    client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'leak-test' });
    namespace = await createTestNamespace(kc, 'leak');
    leakDir = mkdtempSync(join(tmpdir(), 'svkms-leak-test-'));
    await client.create(RESOURCES.secrets, namespace, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'planted', namespace }, stringData: { clientSecret: secret } } as KubeObject);
  });

  afterAll(async () => {
    // Remove the planted outputs so that the run's own scan stays clean.
    await client.delete(RESOURCES.events, namespace, 'planted-event');
    await client.delete(RESOURCES.configMaps, namespace, 'planted-cm');
    await client.delete(RESOURCES.secrets, namespace, 'planted');
    rmSync(leakDir, { recursive: true, force: true });
  });

  it('fails on a secret planted in an Event, a ConfigMap and a log file', async () => {
    const kc = testKubeConfig();
    expect((await scanForLeaks(kc, leakDir)).leaks.filter((l) => l.secret.startsWith('plan'))).toEqual([]);
    await client.create(RESOURCES.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'planted-event', namespace },
      involvedObject: { kind: 'Secret', name: 'planted', namespace },
      reason: 'Planted',
      message: `token ${Buffer.from(secret).toString('base64')}`,
      type: 'Warning',
    } as KubeObject);
    await client.create(RESOURCES.configMaps, namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planted-cm', namespace }, data: { 'values.yaml': `x: ${Buffer.from(secret).toString('hex')}` } } as KubeObject);
    writeFileSync(join(leakDir, 'operator-logs.jsonl'), `{"msg":"${secret}"}\n`);
    const { leaks } = await scanForLeaks(kc, leakDir);
    const planted = leaks.filter((l) => l.secret.startsWith('plan'));
    expect(planted.map((l) => `${l.source.split(' ')[0]}:${l.form}`)).toEqual(expect.arrayContaining(['ConfigMap:hex', 'Event:base64', 'file:raw']));
    expect(new Set(planted.map((l) => l.source.split(' ')[0]))).toEqual(new Set(['ConfigMap', 'Event', 'file']));
  });
});
