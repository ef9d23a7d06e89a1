/**
 * Every Stalled reason the user guide lists has a case in the decision tables: the guide's table is read, and each
 * reason must appear as a quoted reason in a table test of the workflow (or of the key checks it relies on).
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/env/binaries.ts';

/** The reasons in the first column of the guide's "Stalled reasons and what to do" table. */
function guideReasons(): string[] {
  const guide = readFileSync(join(REPO_ROOT, 'docs', 'user-guide.md'), 'utf8');
  const section = guide.split('### Stalled reasons and what to do')[1]?.split('\n\n')[1] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1]!));
}

/** The text of the workflow's table tests. */
function tableTests(): string {
  const dirs = [join(REPO_ROOT, 'src', 'migration'), join(REPO_ROOT, 'src', 'migration', 'steps')];
  return dirs
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'guide-reasons.test.ts').map((f) => readFileSync(join(dir, f), 'utf8')))
    .join('\n');
}

describe('the user guide\'s Stalled reasons', () => {
  const reasons = guideReasons();
  const tests = tableTests();

  it('are read from the guide', () => {
    expect(reasons.length).toBeGreaterThan(30);
  });

  it.each(reasons)('%s has a decision table case', (reason) => {
    expect(tests).toMatch(new RegExp(`['"\`]${reason}['"\`]`));
  });
});
