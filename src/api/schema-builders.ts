/**
 * Small builders for OpenAPI v3 (Kubernetes structural) schemas. Every builder takes the field's description first:
 * a field without a description cannot be written, so `kubectl explain` always has something to say.
 */

/** A CEL rule as the CRD's `x-kubernetes-validations` takes it. */
export interface CelRule {
  rule: string;
  message: string;
  /** JSON path of the field the message is about, relative to the schema node carrying the rule. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** The subset of the OpenAPI v3 schema that Kubernetes structural schemas allow, plus the x-kubernetes extensions. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema;
  enum?: (string | number | boolean)[];
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  nullable?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

type Extra = Omit<JsonSchema, 'type' | 'description' | 'properties' | 'items'>;

export function str(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'string', description, ...extra };
}

export function bool(description: string, defaultValue?: boolean): JsonSchema {
  return defaultValue === undefined ? { type: 'boolean', description } : { type: 'boolean', description, default: defaultValue };
}

export function int(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'integer', description, format: 'int64', ...extra };
}

export function list(description: string, items: JsonSchema, extra: Extra = {}): JsonSchema {
  return { type: 'array', description, items, ...extra };
}

/** A map from string keys to values of one schema. */
export function map(description: string, values: JsonSchema, extra: Extra = {}): JsonSchema {
  return { type: 'object', description, additionalProperties: values, ...extra };
}

/**
 * An object. `required` names the properties that must be present; properties whose schema has a `default` need not
 * be listed (the API server fills them in).
 */
export function obj(description: string, properties: Record<string, JsonSchema>, extra: Extra = {}): JsonSchema {
  const schema: JsonSchema = { type: 'object', description, properties, ...extra };
  if (schema.required && schema.required.length === 0) delete schema.required;
  return schema;
}

/** Walks every schema node with its JSON path (`.spec.kms.aws`), depth first. */
export function walkSchema(schema: JsonSchema, visit: (node: JsonSchema, path: string) => void, path = ''): void {
  visit(schema, path);
  for (const [name, child] of Object.entries(schema.properties ?? {})) walkSchema(child, visit, `${path}.${name}`);
  if (schema.items) walkSchema(schema.items, visit, `${path}[*]`);
  if (schema.additionalProperties) walkSchema(schema.additionalProperties, visit, `${path}.*`);
}
