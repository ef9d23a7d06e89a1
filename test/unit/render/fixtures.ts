/**
 * Test fixtures for the renderers: the repository's example manifests, patched and validated (so tests work on the
 * defaulted migration the operator sees).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { validateMigration } from '../../../src/api/validate.ts';
import type { SvKmsMigration } from '../../../src/api/types.ts';
import { REPO_ROOT } from '../../env/binaries.ts';


/** A raw (undefaulted) manifest, as a plain object. */
export type RawManifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The raw example manifest `examples/<provider>-migration.yaml`. */
export function exampleManifest(provider: 'aws' | 'gcp'): RawManifest {
  return load(readFileSync(join(REPO_ROOT, 'examples', `${provider}-migration.yaml`), 'utf8')) as RawManifest;
}

/** The example for `provider`, changed by `patch`, validated and defaulted; throws on validation problems. */
export function migrationFor(provider: 'aws' | 'gcp', patch: (m: RawManifest) => void = () => {}): SvKmsMigration {
  const raw = exampleManifest(provider);
  patch(raw);
  const { problems, migration } = validateMigration(raw);
  if (!migration) throw new Error(`invalid test manifest: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return migration;
}
