/**
 * The `--splice-version` option of `sv-kms render` and `sv-kms validate`: the Splice version to render or check for,
 * overriding spec.splice.version (without either, the renderers assume the newest known version).
 */
import type { SvKmsMigration } from '../api/types.ts';
import { targetVersion } from '../render/target-version.ts';
import { resolveSpliceVersion, SpliceVersionError, type ResolvedSpliceVersion } from '../render/versions.ts';
import { UsageError } from './parse-flags.ts';

/** Help text line for the option. */
export const SPLICE_VERSION_HELP =
  '      --splice-version VERSION    Splice version to use (e.g. 0.7.4 or a snapshot); default: spec.splice.version, else the newest known';

/** The flag's value resolved, or undefined when not given. Throws {@link UsageError} for a malformed or too old version. */
export function spliceVersionFlag(text: string | undefined): ResolvedSpliceVersion | undefined {
  if (text === undefined) return undefined;
  try {
    return resolveSpliceVersion(text, '--splice-version');
  } catch (err) {
    if (err instanceof SpliceVersionError) throw new UsageError(err.message);
    throw err;
  }
}

/** The version a migration is rendered or checked for: the flag's, else spec.splice.version, else the newest known. */
export function cliTargetVersion(migration: SvKmsMigration, flag: ResolvedSpliceVersion | undefined): ResolvedSpliceVersion {
  return targetVersion(migration, flag ? { version: flag } : {});
}

/** `Splice 0.7.4 (Canton 3.5.14)`, for headers and summaries. */
export function describeVersion(v: ResolvedSpliceVersion): string {
  const rules = v.support === 'newer-than-known' ? `, rendered as ${v.effectiveVersion}` : '';
  return `Splice ${v.version} (Canton ${v.canton}${rules})`;
}
