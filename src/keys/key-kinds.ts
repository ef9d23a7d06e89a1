/**
 * The two keys the operator manages, side by side: the CometBFT governance key (Ed25519) and the SV identity key
 * (P-256). Code that handles "a key Secret" picks the per-kind functions from here instead of branching.
 */
import { DEFAULT_GOVERNANCE_KEY_SECRET, DEFAULT_IDENTITY_KEY_SECRET } from '../api/schema.ts';
import type { EncodedKeyPair } from './encoding.ts';
import { checkGovernanceKeyBytes, generateGovernanceKey, governanceKeyFingerprint } from './governance-key.ts';
import { checkIdentityKeyBytes, generateIdentityKey, identityKeyFingerprint } from './identity-key.ts';

/** Which key: `governance` (CometBFT governance key) or `identity` (SV identity key for join-with-key onboarding). */
export type KeyKind = 'governance' | 'identity';

/** All key kinds. */
export const KEY_KINDS: readonly KeyKind[] = ['governance', 'identity'];

/** What differs between the key kinds. */
export interface KeyKindInfo {
  /** Human name, e.g. "CometBFT governance key (Ed25519)". */
  title: string;
  /** Secret name the splice-sv-node chart reads. */
  defaultSecretName: string;
  /** A fresh key pair, generated off the event loop. */
  generate(): Promise<EncodedKeyPair>;
  /** SHA-256 fingerprint (hex) of the decoded public key. */
  fingerprint(publicKey: Buffer): string;
  /** Checks decoded public/private bytes and returns the public key; throws KeyFormatError. */
  checkBytes(publicKey: Buffer, privateKey: Buffer): Buffer;
}

/** The per-kind functions. */
export const KEY_KIND_INFO: Record<KeyKind, KeyKindInfo> = {
  governance: {
    title: 'CometBFT governance key (Ed25519)',
    defaultSecretName: DEFAULT_GOVERNANCE_KEY_SECRET,
    generate: generateGovernanceKey,
    fingerprint: governanceKeyFingerprint,
    checkBytes: checkGovernanceKeyBytes,
  },
  identity: {
    title: 'SV identity key (P-256)',
    defaultSecretName: DEFAULT_IDENTITY_KEY_SECRET,
    generate: generateIdentityKey,
    fingerprint: identityKeyFingerprint,
    checkBytes: checkIdentityKeyBytes,
  },
};

/** Whether `s` names a key kind. */
export function isKeyKind(s: string | undefined): s is KeyKind {
  return s === 'governance' || s === 'identity';
}
