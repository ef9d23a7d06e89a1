/**
 * The Splice version a migration's values are rendered for: the one the caller resolved (the workflow reads it from
 * the network), else `spec.splice.version`, else the newest version the operator knows; `spec.kms.cantonVersion`
 * overrides the Canton version of the participant image.
 */
import type { SvKmsMigration } from '../api/types.ts';
import { RenderProblemsError } from './values.ts';
import { newestKnownVersion, resolveSpliceVersion, SpliceVersionError, withCantonVersion, type ResolvedSpliceVersion } from './versions.ts';

/** Options every renderer takes. */
export interface VersionOptions {
  /** The resolved target version; when absent: spec.splice.version, else the newest known version. */
  version?: ResolvedSpliceVersion;
}

/**
 * The version to render `migration` for (see the module comment). Throws {@link RenderProblemsError} naming
 * `spec.splice.version` or `spec.kms.cantonVersion` when that field does not hold a usable version.
 */
export function targetVersion(migration: SvKmsMigration, options: VersionOptions = {}): ResolvedSpliceVersion {
  try {
    const text = migration.spec.splice?.version;
    const base = options.version ?? (text === undefined ? newestKnownVersion() : resolveSpliceVersion(text, 'spec.splice.version'));
    return withCantonVersion(base, migration.spec.kms.cantonVersion);
  } catch (err) {
    if (!(err instanceof SpliceVersionError)) throw err;
    const path = err.message.startsWith('spec.splice.version') ? 'spec.splice.version' : 'spec.kms.cantonVersion';
    throw new RenderProblemsError([{ path, message: err.message.replace(/^[^:]*: /, '') }]);
  }
}
