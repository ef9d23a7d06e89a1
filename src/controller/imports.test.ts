/**
 * The runtime is generic: nothing in src/controller may import the operator's domain (src/api, src/migration,
 * src/splice, src/operator, …). Allowed: its own modules, src/util (plain helpers) and packages.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(here, '..');
const ALLOWED = [resolve(src, 'controller'), resolve(src, 'util')];

/** Every module specifier of a TypeScript source: static imports and re-exports, `import type`, dynamic import(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of source.matchAll(re)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

/** The imports of `file` that leave the allowed folders. */
function forbidden(file: string): string[] {
  return specifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s))
    // Tests may use the shared test support (fake clock).
    .filter((target) => !(file.endsWith('.test.ts') && target.startsWith(resolve(src, '..', 'test', 'support') + '/')))
    .filter((target) => !ALLOWED.some((dir) => target === dir || target.startsWith(dir + '/')))
    .map((target) => relative(src, target));
}

describe('src/controller imports', () => {
  it('finds imports of every form (the scanner itself)', () => {
    const code = `import { a } from '../api/schema.ts';\nimport type { B } from "../migration/ports.ts";\nexport { c } from './x.ts';\nconst m = await import('../splice/scan.ts');\nimport '../side-effect.ts';`;
    expect(specifiers(code)).toEqual(['../api/schema.ts', '../migration/ports.ts', './x.ts', '../splice/scan.ts', '../side-effect.ts']);
  });

  it('imports nothing of the domain', () => {
    // This file is left out: its scanner test quotes domain imports as sample text.
    const files = readdirSync(resolve(src, 'controller')).filter((f) => f.endsWith('.ts') && f !== 'imports.test.ts');
    expect(files.length).toBeGreaterThan(5);
    const bad = files.flatMap((f) => forbidden(join(src, 'controller', f)).map((t) => `src/controller/${f} imports src/${t}`));
    expect(bad).toEqual([]);
  });
});
