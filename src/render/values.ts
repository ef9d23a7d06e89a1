/**
 * Helm values plumbing shared by the participant and sv-node renderers: merging the operator's values over the user's
 * base values (with conflicts reported), deterministic YAML, and reading users' values files as Helm does (YAML 1.1).
 */
import { createHash } from 'node:crypto';
import { dump, load, YAML11_SCHEMA, YAMLException } from 'js-yaml';
import type { Problem } from '../api/validate.ts';
import { cloneJson, isPlainObject, jsonEqual } from '../util/json.ts';

export { jsonEqual };

/** Rendered Helm values of one chart. */
export interface RenderedValues {
  /** The merged values (base values underneath, the operator's on top). */
  values: Record<string, unknown>;
  /** `values` as YAML, keys sorted: the same input always gives the same text. */
  yaml: string;
  /** Hex SHA-256 of `yaml`. */
  sha256: string;
  /**
   * Dotted paths where the base values held something else that the operator's values replaced, e.g. `kms.region`
   * or `additionalEnvVars[name=AWS_ACCESS_KEY_ID]`. Sorted.
   */
  conflicts: string[];
  /**
   * What the user should know about these values but that does not stop rendering: e.g. base values whose
   * `secretOverrides` make the chart ignore the operator's Secrets, or a version newer than the newest known one.
   */
  warnings: string[];
}

/** The migration cannot be rendered; `problems` say why (same shape as validation problems). */
export class RenderProblemsError extends Error {
  override name = 'RenderProblemsError';
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(`cannot render values: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.problems = problems;
  }
}

/** How {@link mergeValues} treats particular top-level keys. */
export interface MergeRules {
  /** Keys whose whole subtree the operator owns: base content there is dropped (and reported when different). */
  owned?: readonly string[];
  /** Keys holding lists of `{name, …}` entries, merged entry by entry on `name`. */
  listsByName?: readonly string[];
}


/** Paths below `path` where `base` has a leaf that `final` does not have with the same value. */
function replacedLeaves(base: unknown, final: unknown, path: string, out: string[]): void {
  if (isPlainObject(base) && isPlainObject(final)) {
    for (const [k, v] of Object.entries(base)) if (v !== undefined) replacedLeaves(v, final[k], `${path}.${k}`, out);
  } else if (isPlainObject(base) && Object.keys(base).length === 0 && final === undefined) {
    // an empty map that disappears changes nothing
  } else if (!jsonEqual(base, final)) {
    out.push(path);
  }
}

function entryName(entry: unknown): string | undefined {
  return isPlainObject(entry) && typeof entry.name === 'string' ? entry.name : undefined;
}

function mergeListByName(base: unknown[], over: unknown[], path: string, conflicts: string[]): unknown[] {
  const overByName = new Map<string, unknown>();
  for (const o of over) {
    const name = entryName(o);
    if (name !== undefined && !overByName.has(name)) overByName.set(name, o);
  }
  const out: unknown[] = [];
  const placed = new Set<string>();
  for (const b of base) {
    const name = entryName(b);
    const o = name === undefined ? undefined : overByName.get(name);
    if (name === undefined || o === undefined) {
      out.push(b);
      continue;
    }
    if (!jsonEqual(b, o)) conflicts.push(`${path}[name=${name}]`);
    // The operator's entry takes the place of the first base entry of that name; later duplicates are dropped.
    if (!placed.has(name)) out.push(o);
    placed.add(name);
  }
  for (const o of over) {
    const name = entryName(o);
    if (name === undefined || !placed.has(name)) out.push(o);
    if (name !== undefined) placed.add(name);
  }
  return out;
}

function mergeAt(base: unknown, over: unknown, path: string, rules: MergeRules, conflicts: string[], top: boolean): unknown {
  if (over === undefined) return base;
  if (base === undefined) return over;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) continue;
      const at = path ? `${path}.${k}` : k;
      if (top && rules.owned?.includes(k)) {
        if (base[k] !== undefined) replacedLeaves(base[k], v, at, conflicts);
        out[k] = v;
      } else if (top && rules.listsByName?.includes(k) && Array.isArray(base[k]) && Array.isArray(v)) {
        out[k] = mergeListByName(base[k], v, at, conflicts);
      } else {
        out[k] = mergeAt(base[k], v, at, rules, conflicts, false);
      }
    }
    return out;
  }
  if (!jsonEqual(base, over)) conflicts.push(path);
  return over;
}

/**
 * Merges the operator's values over `base`: maps deep-merged, the operator's leaves win, lists replaced unless named in
 * `rules.listsByName`. Returns the merged values and the sorted conflict paths.
 */
export function mergeValues(
  base: Record<string, unknown> | undefined,
  operator: Record<string, unknown>,
  rules: MergeRules = {},
): { values: Record<string, unknown>; conflicts: string[] } {
  const conflicts: string[] = [];
  const values = mergeAt(cloneJson(base ?? {}), cloneJson(operator), '', rules, conflicts, true) as Record<string, unknown>;
  return { values, conflicts: [...new Set(conflicts)].sort() };
}

/** Deterministic YAML of Helm values: keys sorted, no line folding, no anchors; ambiguous strings quoted (YAML 1.1 too). */
export function valuesToYaml(values: Record<string, unknown>): string {
  return dump(values, { sortKeys: true, lineWidth: -1, noRefs: true });
}

/** Wraps merged values as {@link RenderedValues}. */
export function renderedValues(values: Record<string, unknown>, conflicts: string[], warnings: string[] = []): RenderedValues {
  const yaml = valuesToYaml(values);
  return { values, yaml, sha256: createHash('sha256').update(yaml).digest('hex'), conflicts, warnings };
}

/** A values file that is not valid YAML or not a map; the message carries the line and column. */
export class ValuesYamlError extends Error {
  override name = 'ValuesYamlError';
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

/** Most nodes (maps, lists and scalars, a node reached through several aliases counted each time) a values file may expand to. */
export const MAX_VALUES_NODES = 100_000;
/** Deepest nesting a values file may expand to (aliases included; Helm values rarely go beyond 20). */
export const MAX_VALUES_DEPTH = 1_000;

/**
 * Refuses values whose expanded tree is too big or too deep. YAML aliases let a few lines describe a graph that
 * expands exponentially ("billion laughs": nine levels of nine aliases are 387 million strings); js-yaml loads it as
 * a small graph of shared references in milliseconds, but everything downstream (merging, cloning, dumping) expands it
 * and hangs or runs out of memory. Walking the graph with a node budget, every reference counted, stops that early;
 * the budget also ends the walk on a cyclic graph. Aliases as such stay allowed: values files use them for shared
 * defaults. (js-yaml's `maxAliases` counts aliases, not what they expand to, so it cannot bound this alone.)
 */
function assertBoundedExpansion(doc: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value: doc, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (++nodes > MAX_VALUES_NODES) throw new ValuesYamlError(`the values expand to more than ${MAX_VALUES_NODES} nodes (YAML aliases?)`);
    if (depth > MAX_VALUES_DEPTH) throw new ValuesYamlError(`the values nest more than ${MAX_VALUES_DEPTH} levels deep (YAML aliases?)`);
    if (typeof value === 'object' && value !== null) {
      for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push({ value: child, depth: depth + 1 });
    }
  }
}

/**
 * Reads a Helm values file with YAML 1.1 semantics, as Helm does (`165_5000` is the integer 1655000, `yes` is true).
 * An empty or comment-only file is `{}`. Throws {@link ValuesYamlError} with `line N, column M: reason` on bad YAML,
 * when the document is not a map, or when it expands (through aliases) beyond {@link MAX_VALUES_NODES} nodes or
 * {@link MAX_VALUES_DEPTH} levels.
 */
export function parseValuesYaml(text: string): Record<string, unknown> {
  if (text.split('\n').every((l) => /^\s*(#.*)?$/.test(l))) return {};
  let doc: unknown;
  try {
    doc = load(text, { schema: YAML11_SCHEMA });
  } catch (err) {
    if (err instanceof YAMLException) {
      const line = err.mark ? err.mark.line + 1 : undefined;
      const where = err.mark ? `line ${line}, column ${err.mark.column + 1}: ` : '';
      throw new ValuesYamlError(`${where}${err.reason}`, line);
    }
    throw new ValuesYamlError(`cannot read YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  assertBoundedExpansion(doc);
  if (!isPlainObject(doc)) throw new ValuesYamlError(`line 1, column 1: Helm values must be a map, not ${Array.isArray(doc) ? 'a list' : typeof doc}`, 1);
  return doc;
}
