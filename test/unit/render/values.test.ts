import { describe, it, expect } from '@jest/globals';
import { MAX_VALUES_DEPTH, MAX_VALUES_NODES, mergeValues, parseValuesYaml, renderedValues, ValuesYamlError } from '../../../src/render/values.ts';

describe('mergeValues', () => {
  it('deep-merges maps, the operator wins, and reports only differing base values', () => {
    const base = { persistence: { host: 'pg', port: 5432 }, kms: { type: 'gcp', region: 'x', extra: 'y' }, metrics: { enable: true }, same: 'v' };
    const operator = { kms: { type: '"aws"', region: 'x' }, persistence: { port: 5433 }, same: 'v', added: true };
    const { values, conflicts } = mergeValues(base, operator, { owned: ['kms'] });
    expect(values).toEqual({
      persistence: { host: 'pg', port: 5433 },
      kms: { type: '"aws"', region: 'x' },
      metrics: { enable: true },
      same: 'v',
      added: true,
    });
    // kms is owned: base keys the operator does not set are dropped and reported too.
    expect(conflicts).toEqual(['kms.extra', 'kms.type', 'persistence.port']);
  });

  it('merges lists of named entries by name and replaces other lists', () => {
    const base = {
      additionalEnvVars: [
        { name: 'KEEP', value: 'a' },
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'old', key: 'k' } } },
        { name: 'SAME', value: 's' },
        { value: 'nameless' },
      ],
      extraInitContainers: [{ name: 'x' }],
    };
    const operator = {
      additionalEnvVars: [
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'new', key: 'k' } } },
        { name: 'SAME', value: 's' },
        { name: 'NEW', value: 'n' },
      ],
      extraInitContainers: [],
    };
    const { values, conflicts } = mergeValues(base, operator, { listsByName: ['additionalEnvVars'] });
    expect(values.additionalEnvVars).toEqual([
      { name: 'KEEP', value: 'a' },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'new', key: 'k' } } },
      { name: 'SAME', value: 's' },
      { value: 'nameless' },
      { name: 'NEW', value: 'n' },
    ]);
    expect(values.extraInitContainers).toEqual([]);
    expect(conflicts).toEqual(['additionalEnvVars[name=AWS_ACCESS_KEY_ID]', 'extraInitContainers']);
  });

  it('drops later base duplicates of a name the operator sets', () => {
    const { values } = mergeValues({ l: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, { l: [{ name: 'A', value: '3' }] }, { listsByName: ['l'] });
    expect(values.l).toEqual([{ name: 'A', value: '3' }]);
  });

  it('does not modify its inputs', () => {
    const base = { a: { b: 1 } };
    const operator = { a: { c: 2 } };
    mergeValues(base, operator);
    expect(base).toEqual({ a: { b: 1 } });
    expect(operator).toEqual({ a: { c: 2 } });
  });
});

describe('renderedValues', () => {
  it('is deterministic regardless of key order and hashes the YAML', () => {
    const a = renderedValues({ b: 1, a: { d: 'x', c: 'y' } }, []);
    const b = renderedValues({ a: { c: 'y', d: 'x' }, b: 1 }, []);
    expect(a.yaml).toBe(b.yaml);
    // 'y' is a YAML 1.1 boolean, so it is quoted for Helm.
    expect(a.yaml).toBe("a:\n  c: 'y'\n  d: x\nb: 1\n");
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.sha256).toBe(b.sha256);
    expect(renderedValues({ b: 2 }, []).sha256).not.toBe(a.sha256);
  });

  it('quotes strings YAML 1.1 readers (Helm) would take for other types', () => {
    const { yaml } = renderedValues({ a: 'yes', b: 'on', c: '165_5000', d: '1:20', e: '"quoted"' }, []);
    expect(parseValuesYaml(yaml)).toEqual({ a: 'yes', b: 'on', c: '165_5000', d: '1:20', e: '"quoted"' });
  });
});

describe('parseValuesYaml', () => {
  it('reads YAML 1.1 integers as Helm does', () => {
    expect(parseValuesYaml('approvedSvIdentities:\n  - name: Big\n    rewardWeightBps: 165_5000\n')).toEqual({
      approvedSvIdentities: [{ name: 'Big', rewardWeightBps: 1655000 }],
    });
  });

  it('treats empty and comment-only files as no values', () => {
    expect(parseValuesYaml('')).toEqual({});
    expect(parseValuesYaml('# nothing here\n\n')).toEqual({});
    expect(parseValuesYaml('---\n')).toEqual({});
  });

  it('reports malformed YAML with its line', () => {
    let error: unknown;
    try {
      parseValuesYaml('a: 1\nb:\n  c: [1, 2\nd: 4\n');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValuesYamlError);
    expect((error as ValuesYamlError).message).toMatch(/^line \d+, column \d+: /);
    expect((error as ValuesYamlError).line).toBeGreaterThanOrEqual(3);
  });

  it('refuses documents that are not maps and duplicate keys', () => {
    expect(() => parseValuesYaml('- a\n- b\n')).toThrow(/must be a map, not a list/);
    expect(() => parseValuesYaml('a: 1\na: 2\n')).toThrow(/line 2, column 1: duplicated mapping key/);
  });

  it('refuses alias bombs (billion laughs) before anything expands them', () => {
    // 9 levels of 9 aliases: 9^9 ≈ 387 million strings once expanded, from ten lines.
    let bomb = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    expect(() => parseValuesYaml(bomb)).toThrow(ValuesYamlError);
    expect(() => parseValuesYaml(bomb)).toThrow(`the values expand to more than ${MAX_VALUES_NODES} nodes (YAML aliases?)`);
    // Aliases as map values expand the same way.
    let merges = 'm0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n';
    for (let i = 1; i < 8; i++) merges += `m${i}: &m${i} {${Array.from({ length: 10 }, (_, k) => `k${k}: *m${i - 1}`).join(', ')}}\n`;
    expect(() => parseValuesYaml(merges)).toThrow(/more than 100000 nodes/);
  });

  it('refuses a chain of aliases nested deeper than the bound', () => {
    let chain = 'c0: &c0 x\n';
    for (let i = 1; i <= MAX_VALUES_DEPTH + 1; i++) chain += `c${i}: &c${i} [*c${i - 1}]\n`;
    expect(() => parseValuesYaml(chain)).toThrow(`the values nest more than ${MAX_VALUES_DEPTH} levels deep (YAML aliases?)`);
    // An alias inside its own anchor makes a cycle, which no amount of expansion ends.
    expect(() => parseValuesYaml('a: &a\n  b: *a\n')).toThrow(ValuesYamlError);
  });

  it('keeps ordinary aliases and merge keys, counting each use', () => {
    const text = 'defaults: &d\n  cpu: 1\n  memory: 2Gi\nparticipant:\n  <<: *d\n  cpu: 2\nsv:\n  resources: *d\n';
    expect(parseValuesYaml(text)).toEqual({ defaults: { cpu: 1, memory: '2Gi' }, participant: { cpu: 2, memory: '2Gi' }, sv: { resources: { cpu: 1, memory: '2Gi' } } });
    // Exactly at the bound is fine: a list of MAX_VALUES_NODES - 2 scalars is the map, the list and its items.
    const items = Array.from({ length: MAX_VALUES_NODES - 2 }, () => 'x');
    expect(parseValuesYaml(`a: [${items.join(',')}]`).a).toHaveLength(MAX_VALUES_NODES - 2);
    expect(() => parseValuesYaml(`a: [${items.join(',')},x]`)).toThrow(/more than 100000 nodes/);
  });
});
