/**
 * Splice versions: parsing (releases and snapshot strings), the Canton version each Splice release ships, the support
 * matrix, and what each version changes for this operator (a feature table). Pure: no clients, no clock.
 *
 * Sources (see ../shared/docs/research/splice-versions.md §1–§3 and research/canton-kms.md §1.4): the Splice release
 * notes up to 0.7.4 (Canton 3.5.14), the 0.4.15 and 0.6.12 source trees, Canton's `CryptoConfig`/`KmsConfig` and
 * `CantonConfigDeprecations` (3.4.x–3.5.x).
 */
import semver from 'semver';

/** How the operator supports a Splice version. */
export type SpliceSupport = 'primary' | 'supported' | 'legacy' | 'newer-than-known';

/** How the SV app orders `listVoteRequestResults` (research D2). */
export type VoteResultsOrdering = 'null-first' | 'newest-first' | 'paged';

/** A Canton config value default: the session encryption key cache's lifetime and size. */
export interface EncryptionKeyCacheDefault {
  /** `expire-after-timeout`, in the spec's duration format. */
  ttl: string;
  /** `maximum-size`. */
  size: number;
}

/** What a Splice version (and the Canton it ships) has, as far as this operator is concerned. */
export interface SpliceFeatures {
  /** sv-node values use `synchronizers.{current,successor,legacy,additionalLegacy}` (0.6.1+; `domain` deprecated). */
  synchronizersLayout: boolean;
  /** HOCON path of the participant's session signing keys config (depends on the Canton version). */
  sessionSigningKeysPath: readonly string[];
  /** The operator turns session signing keys on unless the spec says otherwise (officially supported from 0.7.2). */
  sessionSigningKeysByDefault: boolean;
  /** Canton's own default of the session encryption key cache (10 s / 10000 before Splice 0.5.14, 1 h / 100000 after). */
  encryptionKeyCacheDefault: EncryptionKeyCacheDefault;
  /** AWS `crypto.kms.custom-tags` (Canton 3.5.8+, Splice 0.6.12+). */
  awsCustomTags: boolean;
  /** SV app `canton.sv-apps.sv.copy-votes-from` (0.6.1+). */
  copyVotesFrom: boolean;
  /** Ordering of closed vote results. */
  voteResultsOrdering: VoteResultsOrdering;
  /** The participant chart's pg-init refuses a second `participant%` database on one Postgres server (0.6.8+). */
  participantDbConflictCheck: boolean;
  /** sv-node chart `secretOverrides` / `cometBFT.secretOverrides` replace the key Secret references (0.6.10+). */
  secretOverrides: boolean;
  /** Wallet token-standard transfers (`/v0/wallet/token-standard/transfers`): present in every known version. */
  tokenStandardTransfers: boolean;
  /** Wallet transfer preapprovals (`/v0/wallet/transfer-preapproval/send`): present in every known version. */
  transferPreapprovals: boolean;
}

/** A resolved Splice version: what the renderers and the workflow act on. */
export interface ResolvedSpliceVersion {
  /** The version as given (normalised: no leading `v`). */
  version: string;
  /** The version whose rules apply: `version` itself, or the newest known one for a newer version. */
  effectiveVersion: string;
  /** The Canton version that Splice release ships (for a newer version: that of the newest known one). */
  canton: string;
  /** False where the release notes give a range and the table picks its lower end (e.g. 0.4.x ships "3.3.x"). */
  cantonExact: boolean;
  support: SpliceSupport;
  features: SpliceFeatures;
}

/** A Splice version that cannot be used; the message says what was expected and what to do. */
export class SpliceVersionError extends Error {
  override name = 'SpliceVersionError';
}

/**
 * Splice → Canton, by the first Splice version of a range; a version maps to the entry with the highest `from` not
 * above it. `exact` is false where the release notes give a range (the lower end is used: features are gated by
 * lower bounds, so this never claims a feature the version lacks).
 */
const CANTON_BY_SPLICE: readonly { from: string; canton: string; exact: boolean }[] = [
  { from: '0.4.0', canton: '3.3.0', exact: false },
  { from: '0.5.0', canton: '3.4.6', exact: false },
  // 3.4.11 (session signing keys moved to crypto.session-signing-keys) shipped "≈0.5.13".
  { from: '0.5.13', canton: '3.4.11', exact: false },
  { from: '0.5.18', canton: '3.4.12', exact: true },
  { from: '0.6.0', canton: '3.5.0', exact: false },
  { from: '0.6.1', canton: '3.5.1', exact: false },
  // 0.6.11 shipped a 3.5.8 snapshot, which is not yet 3.5.8 (no custom-tags).
  { from: '0.6.11', canton: '3.5.8-snapshot', exact: false },
  { from: '0.6.12', canton: '3.5.8', exact: true },
  { from: '0.7.0', canton: '3.5.12', exact: true },
  { from: '0.7.4', canton: '3.5.14', exact: true },
];

/**
 * The major version of every Canton release the operator knows (3.3 to 3.5), which no Splice release has: a Splice
 * version with it is a Canton version given by mistake. The CRD's rule on spec.splice.version says the same (schema.ts).
 */
export const CANTON_MAJOR = 3;

/** Oldest Splice version the operator renders for. */
export const OLDEST_KNOWN_SPLICE = '0.4.0';
/** Newest Splice version whose rules the operator knows; newer ones render as this one. */
export const NEWEST_KNOWN_SPLICE = '0.7.4';

const PARTICIPANT = ['canton', 'participants', 'participant'] as const;

/**
 * Parses a Splice or Canton version: `0.7.4`, `v0.7.4`, or a snapshot such as `3.5.14-snapshot.20260801.123.0.vabc`.
 * A snapshot is a pre-release of the version it names, so it orders before that release (semver). Throws
 * {@link SpliceVersionError} naming `field`.
 */
export function parseVersion(text: string, field = 'version'): semver.SemVer {
  const trimmed = text.trim();
  // loose: Splice/Canton snapshot identifiers may carry numbers with leading zeros.
  const parsed = semver.parse(trimmed, { loose: true }) ?? semver.parse(trimmed.replace(/^v/, ''), { loose: true });
  if (!parsed) {
    throw new SpliceVersionError(
      `${field}: "${text}" is not a version; expected MAJOR.MINOR.PATCH such as 0.7.4 or a snapshot such as 0.7.4-snapshot.20260801.1.0.vabc123`,
    );
  }
  return parsed;
}

/** Compares two versions (snapshot strings allowed): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(parseVersion(a), parseVersion(b));
}

const atLeast = (v: semver.SemVer, min: string): boolean => semver.gte(v, min);

function cantonFor(v: semver.SemVer): { canton: string; exact: boolean } {
  let found = CANTON_BY_SPLICE[0]!;
  for (const entry of CANTON_BY_SPLICE) if (semver.gte(v, entry.from)) found = entry;
  return { canton: found.canton, exact: found.exact && semver.eq(v, found.from) };
}

/** The session signing keys path for a Canton version (research/splice-versions.md §2). */
export function sessionSigningKeysPath(canton: string): readonly string[] {
  const c = parseVersion(canton, 'spec.kms.cantonVersion');
  if (semver.lt(c, '3.4.0')) return ['canton', 'parameters', 'session-signing-keys'];
  if (semver.lt(c, '3.4.11')) return [...PARTICIPANT, 'crypto', 'kms', 'session-signing-keys'];
  return [...PARTICIPANT, 'crypto', 'session-signing-keys'];
}

/** Whether a Canton version has AWS `custom-tags` (3.5.8 and later; a 3.5.8 snapshot does not). */
export function cantonHasCustomTags(canton: string): boolean {
  return atLeast(parseVersion(canton, 'spec.kms.cantonVersion'), '3.5.8');
}

function featuresOf(v: semver.SemVer, canton: string): SpliceFeatures {
  return {
    synchronizersLayout: atLeast(v, '0.6.1'),
    sessionSigningKeysPath: sessionSigningKeysPath(canton),
    sessionSigningKeysByDefault: atLeast(v, '0.7.2'),
    encryptionKeyCacheDefault: atLeast(v, '0.5.14') ? { ttl: '1h', size: 100000 } : { ttl: '10s', size: 10000 },
    awsCustomTags: cantonHasCustomTags(canton),
    copyVotesFrom: atLeast(v, '0.6.1'),
    voteResultsOrdering: atLeast(v, '0.6.10') ? 'paged' : atLeast(v, '0.6.4') ? 'newest-first' : 'null-first',
    participantDbConflictCheck: atLeast(v, '0.6.8'),
    secretOverrides: atLeast(v, '0.6.10'),
    tokenStandardTransfers: true,
    transferPreapprovals: true,
  };
}

function supportOf(v: semver.SemVer): Exclude<SpliceSupport, 'newer-than-known'> {
  if (v.major === 0 && v.minor === 7) return 'primary';
  if (v.major === 0 && v.minor === 6) return 'supported';
  return 'legacy';
}

/**
 * Resolves a Splice version (release or snapshot string) to its Canton version, support level and features. A version
 * newer than {@link NEWEST_KNOWN_SPLICE} resolves with the newest known version's rules and support
 * `newer-than-known` (the operator reports that as a condition); one older than {@link OLDEST_KNOWN_SPLICE} or not a
 * version throws {@link SpliceVersionError}. `field` names the input in messages (e.g. `spec.splice.version`).
 */
export function resolveSpliceVersion(text: string, field = 'spec.splice.version'): ResolvedSpliceVersion {
  const v = parseVersion(text, field);
  if (v.major === CANTON_MAJOR) {
    throw new SpliceVersionError(
      `${field}: ${v.version} is a Canton version, not a Splice one: Splice releases are numbered 0.x (Splice ${NEWEST_KNOWN_SPLICE} ships Canton ${newestKnownVersion().canton}); ` +
        'give the Splice release, and a participant image of another Canton version in spec.kms.cantonVersion',
    );
  }
  if (semver.lt(v, OLDEST_KNOWN_SPLICE)) {
    throw new SpliceVersionError(`${field}: Splice ${v.version} is older than ${OLDEST_KNOWN_SPLICE}, the oldest version the operator knows; upgrade the SV first`);
  }
  const newer = semver.gt(v, NEWEST_KNOWN_SPLICE);
  const effective = newer ? parseVersion(NEWEST_KNOWN_SPLICE) : v;
  const { canton, exact } = cantonFor(effective);
  return {
    version: v.version,
    effectiveVersion: effective.version,
    canton,
    cantonExact: exact && !newer,
    support: newer ? 'newer-than-known' : supportOf(v),
    features: featuresOf(effective, canton),
  };
}

/** The version the renderers use when none is known: the newest known one. */
export function newestKnownVersion(): ResolvedSpliceVersion {
  return resolveSpliceVersion(NEWEST_KNOWN_SPLICE);
}

/** A one-line note for a version that is not rendered by its own rules (for logs, CLI output and conditions). */
export function versionNote(v: ResolvedSpliceVersion): string | undefined {
  if (v.support === 'newer-than-known') {
    return `Splice ${v.version} is newer than the newest version the operator knows (${NEWEST_KNOWN_SPLICE}); rendered with the rules of ${v.effectiveVersion}`;
  }
  if (v.support === 'legacy') return `Splice ${v.version} is a legacy version (no live network runs 0.4/0.5); rendered with its own rules`;
  return undefined;
}

/**
 * The resolved version with another Canton version (spec.kms.cantonVersion: a participant image other than the one
 * the Splice release ships); the Canton-dependent features follow it.
 */
export function withCantonVersion(v: ResolvedSpliceVersion, canton: string | undefined): ResolvedSpliceVersion {
  if (canton === undefined || canton === v.canton) return v;
  return {
    ...v,
    canton,
    cantonExact: true,
    features: { ...v.features, sessionSigningKeysPath: sessionSigningKeysPath(canton), awsCustomTags: cantonHasCustomTags(canton) },
  };
}
