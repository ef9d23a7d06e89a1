import { describe, expect, it } from '@jest/globals';
import { createHook } from 'node:async_hooks';
import { KEY_KIND_INFO, KEY_KINDS } from './key-kinds.ts';
import { checkKeySecret, keySecretData } from './adoption.ts';

describe('key generation', () => {
  it.each(KEY_KINDS)('makes the %s key off the event loop: an asynchronous crypto job in the thread pool', async (kind) => {
    // Both generateKeyPair and generateKeyPairSync create a key-pair job (an async resource of this type), but only
    // the asynchronous one runs in the thread pool and comes back to the event loop through a callback ("before").
    const jobs = new Set<number>();
    const callbacks: number[] = [];
    const hook = createHook({
      init: (id, type) => void (type === 'KEYPAIRGENREQUEST' && jobs.add(id)),
      before: (id) => void (jobs.has(id) && callbacks.push(id)),
    }).enable();
    let pair;
    try {
      pair = await KEY_KIND_INFO[kind].generate();
    } finally {
      hook.disable();
    }
    expect(jobs.size).toBe(1);
    expect(callbacks).toEqual([...jobs]);
    // And the pair is one the operator adopts.
    expect(checkKeySecret(kind, keySecretData(pair))).toMatchObject({ ok: true, publicKey: pair.public });
  });

  it.each(KEY_KINDS)('makes a different %s key each time, even when many are made at once', async (kind) => {
    const pairs = await Promise.all(Array.from({ length: 16 }, () => KEY_KIND_INFO[kind].generate()));
    expect(new Set(pairs.map((p) => p.private)).size).toBe(16);
    expect(new Set(pairs.map((p) => p.public)).size).toBe(16);
  });
});
