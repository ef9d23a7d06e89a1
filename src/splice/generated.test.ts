/**
 * The generated Splice API files are what the generator makes from the upstream specs (run `npm run
 * generate:splice`), and the operations the clients use do not drift between the supported versions unless
 * src/splice/operations.ts says why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { GENERATED_DIR, renderAll, repoPath, responseSchemas } from '../../scripts/splice-codegen.ts';
import { responseValidator } from './api-schemas.ts';
import { OPERATIONS, SPLICE_API_VERSIONS } from './operations.ts';
import type { OperationKey, OperationSpec } from './operations.ts';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('generated Splice API files', () => {
  it('equal what the generator produces from the upstream specs (run `npm run generate:splice`)', async () => {
    const expected = await renderAll();
    const present = listFiles(repoPath(GENERATED_DIR)).map((f) => relative(repoPath('.'), f)).sort();
    expect(present).toEqual([...expected.keys()].sort());
    for (const [rel, text] of expected) expect({ file: rel, same: readFileSync(repoPath(rel), 'utf8') === text }).toEqual({ file: rel, same: true });
  }, 60_000);

  it('every operation the clients use exists in every version, with the same 2xx answer unless noted', async () => {
    const byVersion = await Promise.all(SPLICE_API_VERSIONS.map((v) => responseSchemas(v)));
    const drift: string[] = [];
    for (const [key, op] of Object.entries(OPERATIONS) as [string, OperationSpec][]) {
      const shapes = byVersion.map((s) => JSON.stringify(s[key]));
      const differs = new Set(shapes).size > 1;
      if (differs && !op.versionDifference) drift.push(`${key}: response differs between versions; gate it or note versionDifference`);
      if (!differs && op.versionDifference) drift.push(`${key}: versionDifference noted but the responses are identical; remove the note`);
    }
    expect(drift).toEqual([]);
  }, 60_000);

  it('every generated response schema compiles', () => {
    for (const v of SPLICE_API_VERSIONS) for (const key of Object.keys(OPERATIONS) as OperationKey[]) expect(() => responseValidator(v, key)).not.toThrow();
  });

  it('validates by the version: next_page_token is typed from 0.6.12 on', () => {
    const v0612 = responseValidator('0.6.12', 'sv.listVoteRequestResults')!;
    expect(v0612({ dso_rules_vote_results: [], next_page_token: 5 })).toBe(true);
    expect(v0612({ dso_rules_vote_results: [], next_page_token: 'x' })).toBe(false);
    expect(responseValidator('0.4.15', 'sv.listVoteRequestResults')!({ dso_rules_vote_results: [] })).toBe(true);
    expect(responseValidator('0.4.15', 'sv.isAuthorized')).toBeUndefined();
  });
});
