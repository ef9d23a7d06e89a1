/**
 * Validation of SvKmsMigration objects where the API server is not in the loop (the CLI, objects stored before a
 * schema change): the same OpenAPI schema through ajv, the same CEL rules through a CEL interpreter, unknown fields
 * reported (the API server would prune them), and the same defaults applied.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { evaluate } from '@marcbachmann/cel-js';
import { API_VERSION, KIND, migrationSchema } from './schema.ts';
import { walkSchema, type CelRule, type JsonSchema } from './schema-builders.ts';
import { PATTERN_HINTS } from './patterns.ts';
import type { SvKmsMigration } from './types.ts';
import { cloneJson, isPlainObject } from '../util/json.ts';

/** One thing wrong with a manifest: the field (dotted path, e.g. `spec.kms.aws.region`) and what is expected. */
export interface Problem {
  path: string;
  message: string;
}

export interface ValidationResult {
  problems: Problem[];
  /**
   * Rules this validator could not evaluate (its CEL interpreter lacks a function the API server has): not problems —
   * the API server, which admitted the object, is the authority on its own rules.
   */
  warnings: Problem[];
  /** The defaulted object, when there are no problems. */
  migration?: SvKmsMigration;
}

/** The schema as ajv sees it: objects reject unknown properties (the API server prunes them, which loses input). */
function closeObjects(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  delete copy['x-kubernetes-validations'];
  if (copy.properties) {
    copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([k, v]) => [k, closeObjects(v)]));
    if (!copy.additionalProperties && !copy['x-kubernetes-preserve-unknown-fields']) {
      (copy as Record<string, unknown>).additionalProperties = false;
    }
  }
  if (copy.items) copy.items = closeObjects(copy.items);
  // The API server refuses duplicates in a list-type set ("Duplicate value").
  if (copy['x-kubernetes-list-type'] === 'set') (copy as Record<string, unknown>).uniqueItems = true;
  if (copy.additionalProperties) copy.additionalProperties = closeObjects(copy.additionalProperties);
  return copy;
}

let compiled: ValidateFunction | undefined;
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    // ajv-formats is CommonJS: under ESM its plugin function is the module's default export.
    const addFormats = (ajvFormats as unknown as { default: FormatsPlugin }).default;
    addFormats(ajv, ['date-time']);
    ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    // `metadata` is typed by Kubernetes itself; only name/namespace matter here and are checked below.
    const schema = closeObjects(migrationSchema);
    schema.properties = { ...schema.properties, metadata: { type: 'object' } };
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describeAjvError(e: ErrorObject): Problem {
  const at = pathOf(e.instancePath);
  const join = (child: string) => (at ? `${at}.${child}` : child);
  switch (e.keyword) {
    case 'required':
      return { path: join(String(e.params.missingProperty)), message: 'is required' };
    case 'additionalProperties':
      return {
        path: join(String(e.params.additionalProperty)),
        message: 'is not a known field (the API server would drop it): check its spelling and nesting, see `kubectl explain svkmsmigration.spec`',
      };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(e.params.pattern)];
      return { path: at, message: hint ? `must be ${hint}` : `must match ${String(e.params.pattern)}` };
    }
    case 'enum':
      return { path: at, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'type':
      return { path: at, message: `must be of type ${String(e.params.type)}` };
    default:
      return { path: at, message: e.message ?? `fails ${e.keyword}` };
  }
}

interface Located {
  value: unknown;
  path: string;
}

/** Values of `obj` at a schema path such as `.spec.kms`, `.spec.network.scanUrls[*]` or `.spec.kms.aws.customTags.*`. */
function valuesAt(obj: unknown, schemaPath: string): Located[] {
  const segments = schemaPath.match(/\.[^.[]+|\[\*\]/g) ?? [];
  let current: Located[] = [{ value: obj, path: '' }];
  for (const seg of segments) {
    const next: Located[] = [];
    for (const { value, path } of current) {
      if (seg === '[*]') {
        if (Array.isArray(value)) value.forEach((v, i) => next.push({ value: v, path: `${path}[${i}]` }));
      } else if (seg === '.*') {
        if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) next.push({ value: v, path: `${path}.${k}` });
      } else if (isPlainObject(value) && value[seg.slice(1)] !== undefined) {
        next.push({ value: value[seg.slice(1)], path: path ? `${path}${seg}` : seg.slice(1) });
      }
    }
    current = next;
  }
  return current;
}

interface LocatedRule {
  schemaPath: string;
  rule: CelRule;
}

let rules: LocatedRule[] | undefined;
function celRules(): LocatedRule[] {
  if (!rules) {
    const found: LocatedRule[] = [];
    walkSchema(migrationSchema, (node, path) => {
      for (const rule of node['x-kubernetes-validations'] ?? []) found.push({ schemaPath: path, rule });
    });
    rules = found;
  }
  return rules;
}

/**
 * Runs the CRD's CEL rules. Transition rules (those using `oldSelf`) run only when `old` is given. A rule the
 * interpreter cannot evaluate is a warning.
 */
function checkCel(obj: unknown, old: unknown): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const { schemaPath, rule } of celRules()) {
    const transition = /\boldSelf\b/.test(rule.rule);
    if (transition && old === undefined) continue;
    for (const { value, path } of valuesAt(obj, schemaPath)) {
      const oldValue = transition ? valuesAt(old, schemaPath).find((o) => o.path === path)?.value : undefined;
      if (transition && oldValue === undefined) continue;
      let ok: unknown;
      try {
        ok = evaluate(rule.rule, transition ? { self: value, oldSelf: oldValue } : { self: value });
      } catch (err) {
        warnings.push({ path, message: `rule "${rule.message}" could not be checked here (${(err as Error).message}); the API server checks it at admission` });
        continue;
      }
      if (ok !== true) problems.push({ path: rule.fieldPath ? `${path}${rule.fieldPath}` : path, message: rule.message });
    }
  }
  return { problems, warnings };
}

function checkIdentity(obj: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  if (obj.apiVersion !== API_VERSION) problems.push({ path: 'apiVersion', message: `must be ${API_VERSION}` });
  if (obj.kind !== KIND) problems.push({ path: 'kind', message: `must be ${KIND}` });
  const metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    problems.push({ path: 'metadata.name', message: 'is required' });
  } else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(metadata.name) || metadata.name.length > 40) {
    problems.push({ path: 'metadata.name', message: 'must be a DNS-1123 label (lower-case letters, digits and -) of at most 40 characters: ConfigMap names are derived from it' });
  }
  return problems;
}

/**
 * Validates (and defaults, in a copy) one SvKmsMigration manifest. `old` is the previous version for update checks
 * (immutability). The namespace is not required here: `kubectl apply` may supply it.
 */
export function validateMigration(input: unknown, old?: unknown): ValidationResult {
  if (!isPlainObject(input)) return { problems: [{ path: '', message: 'must be a YAML/JSON object (an SvKmsMigration manifest)' }], warnings: [] };
  const copy = cloneJson(input);
  pruneNulls(copy, migrationSchema);
  const identity = checkIdentity(copy);
  const validate = schemaValidator();
  const schemaProblems = validate(copy) ? [] : (validate.errors ?? []).map(describeAjvError);
  // CEL rules assume a schema-valid object, as in the API server.
  const cel = schemaProblems.length === 0 ? checkCel(copy, old) : { problems: [], warnings: [] };
  const problems = [...identity, ...schemaProblems, ...cel.problems];
  const warnings = dedupe(cel.warnings);
  if (problems.length > 0) return { problems: dedupe(problems), warnings };
  const metadata = copy.metadata as Record<string, unknown>;
  return { problems: [], warnings, migration: { ...copy, metadata: { namespace: 'default', ...metadata } } as unknown as SvKmsMigration };
}

/**
 * Drops `null` from fields that have a schema and are not nullable, as the API server does before defaulting (a
 * defaulted field then gets its default; a required one is reported missing). `field:` with no value in YAML is null.
 * Values under `x-kubernetes-preserve-unknown-fields` (no schema) and list items are kept.
 */
function pruneNulls(value: unknown, schema: JsonSchema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) pruneNulls(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
    if (!childSchema) continue;
    if (child === null && !childSchema.nullable) delete value[key];
    else pruneNulls(child, childSchema);
  }
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
