import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CRD_FILE, renderCrdYaml } from './crd.ts';
import { TYPES_FILE, renderTypes } from './typegen.ts';
import { REFERENCE_FILE, renderReference } from './reference.ts';
import { walkSchema } from './schema-builders.ts';
import { migrationSchema } from './schema.ts';

const repoFile = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('generated artefacts', () => {
  it('the committed CRD equals what the generator produces (run `npm run generate`)', () => {
    expect(repoFile(CRD_FILE)).toBe(renderCrdYaml());
  });

  it('the committed TypeScript types equal what the generator produces (run `npm run generate`)', async () => {
    expect(repoFile(TYPES_FILE)).toBe(await renderTypes());
  });

  it('the committed field reference equals what the generator produces (run `npm run generate`)', () => {
    expect(repoFile(REFERENCE_FILE)).toBe(renderReference());
  });

  it('every field of the schema has a description (what `kubectl explain` shows)', () => {
    const missing: string[] = [];
    walkSchema(migrationSchema, (node, path) => {
      if (path !== '.metadata' && !node.description) missing.push(path || '(root)');
    });
    expect(missing).toEqual([]);
  });

  it('every string field is bounded, so CEL cost estimates stay within budget', () => {
    const unbounded: string[] = [];
    walkSchema(migrationSchema, (node, path) => {
      if (path.startsWith('.spec') && node.type === 'string' && node.maxLength === undefined && node.enum === undefined) unbounded.push(path);
    });
    expect(unbounded).toEqual([]);
  });
});
