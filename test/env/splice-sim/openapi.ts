/**
 * The upstream Splice OpenAPI specs of one version (read in place from ../shared/upstream/splice-<version>/) as
 * request/response validators for the simulator, through openapi-backend. OpenAPI `discriminator.mapping` (which Ajv cannot compile) is rewritten into the
 * equivalent if/then selection, so a `oneOf` of same-shaped variants validates the way the generated Scala/TS code
 * reads it.
 */
import { join } from 'node:path';
import * as ajvFormats from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import { OpenAPIBackend } from 'openapi-backend';
import type { Request as OpenApiRequest } from 'openapi-backend';
import { UPSTREAM_DIR } from '../binaries.ts';

/** The upstream fixture directory of a Splice version (beside the 0.4.15 one). */
export function upstreamDirFor(version: string): string {
  return join(UPSTREAM_DIR, '..', `splice-${version}`);
}

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = (ajvFormats as unknown as { default: FormatsPlugin }).default;

/** The apps the simulator serves, by URL prefix. */
export type SimApp = 'scan' | 'sv' | 'wallet';

const SPECS: { app: SimApp; root: string; file: string }[] = [
  { app: 'scan', root: '/api/scan', file: 'apps/scan/src/main/openapi/scan.yaml' },
  { app: 'sv', root: '/api/sv', file: 'apps/sv/src/main/openapi/sv-internal.yaml' },
  { app: 'wallet', root: '/api/validator', file: 'apps/wallet/src/main/openapi/wallet-external.yaml' },
  { app: 'wallet', root: '/api/validator', file: 'apps/wallet/src/main/openapi/wallet-internal.yaml' },
  { app: 'wallet', root: '/api/validator', file: 'apps/validator/src/main/openapi/validator-internal.yaml' },
];

/** A matched operation. */
export interface MatchedOperation {
  app: SimApp;
  spec: string;
  operationId: string;
  params: Record<string, string>;
}

type Json = Record<string, unknown>;

/** Rewrites `{oneOf, discriminator: {propertyName, mapping}}` into if/then branches selected by the property value. */
function rewriteDiscriminators(root: Json): void {
  const schemas = ((root.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const seen = new Set<object>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Json;
    const disc = obj.discriminator as { propertyName: string; mapping?: Record<string, string> } | undefined;
    if (!disc && Array.isArray(obj.oneOf)) {
      // Upstream's Scala decoders try the variants in order and take the first that decodes; some variants overlap
      // (`TransferInstructionFailed` accepts any object), so `oneOf` would refuse valid answers: check it as `anyOf`.
      obj.anyOf = obj.oneOf;
      delete obj.oneOf;
    }
    if (disc?.mapping && Array.isArray(obj.oneOf)) {
      const prop = disc.propertyName;
      const branches = Object.entries(disc.mapping).map(([value, ref]) => {
        const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
        const target = name === undefined ? undefined : schemas[name];
        if (!target) throw new Error(`cannot resolve discriminator mapping ${ref}`);
        return { if: { properties: { [prop]: { const: value } } }, then: target };
      });
      delete obj.oneOf;
      delete obj.discriminator;
      obj.required = [...new Set([...((obj.required as string[] | undefined) ?? []), prop])];
      obj.properties = { ...(obj.properties ?? {}), [prop]: { type: 'string', enum: Object.keys(disc.mapping) } };
      obj.allOf = [...((obj.allOf as unknown[] | undefined) ?? []), ...branches];
    }
    Object.values(obj).forEach(walk);
  };
  walk(root);
}

/**
 * Turns the dereferenced document (a graph where shared `$ref` targets are the same object) into a tree, in place,
 * keeping only true cycles. openapi-backend replaces an object met twice by a JSON-pointer `$ref` when it compiles a
 * validator, which is invalid where the shared object is a `required` array or a `properties` map.
 */
function untangle(orig: object, stack: Map<object, object>, seen: Set<object>): object {
  const onPath = stack.get(orig);
  if (onPath) return onPath; // a real cycle: point at the ancestor (becomes a valid `$ref`)
  const target: Record<string, unknown> = seen.has(orig) ? (Array.isArray(orig) ? ([] as unknown as Record<string, unknown>) : {}) : (orig as Record<string, unknown>);
  seen.add(orig);
  stack.set(orig, target);
  for (const [k, v] of Object.entries(orig)) target[k] = v !== null && typeof v === 'object' ? untangle(v as object, stack, seen) : v;
  stack.delete(orig);
  return target;
}

function prepareSchemas(root: Json): void {
  rewriteDiscriminators(root);
  untangle(root, new Map(), new Set());
}

/** Loaded specs: route matching and validation. */
export class SpliceSpecs {
  readonly #apis: { app: SimApp; root: string; file: string; api: OpenAPIBackend }[];

  private constructor(apis: { app: SimApp; root: string; file: string; api: OpenAPIBackend }[]) {
    this.#apis = apis;
  }

  /** Loads and dereferences every spec (external `$ref`s to common-*.yaml resolved relative to each file). */
  static async load(upstreamDir: string = UPSTREAM_DIR): Promise<SpliceSpecs> {
    const apis = [];
    for (const s of SPECS) {
      // quick: skip openapi-backend's meta-validation of the document (upstream puts `description` next to `$ref`,
      // which strict OpenAPI 3.0 meta-schemas reject) and compile validators lazily.
      const api = new OpenAPIBackend({
        definition: join(upstreamDir, s.file),
        apiRoot: s.root,
        quick: true,
        strict: true,
        validate: true,
        customizeAjv: (ajv) => {
          addFormats(ajv);
          return ajv;
        },
      });
      await api.init();
      prepareSchemas(api.definition as unknown as Json);
      apis.push({ ...s, api });
    }
    return new SpliceSpecs(apis);
  }

  /** Finds the operation for `method path` (path includes `/api/<app>`), or undefined. */
  match(app: SimApp, method: string, path: string): MatchedOperation | undefined {
    for (const a of this.#apis) {
      if (a.app !== app) continue;
      const op = a.api.router.matchOperation({ method, path, headers: {} });
      if (op?.operationId) {
        const params = a.api.router.parseRequest({ method, path, headers: {} }, op).params as Record<string, string>;
        return { app, spec: a.file, operationId: op.operationId, params };
      }
    }
    return undefined;
  }

  /** Validates a request body/params against the operation; returns problems (empty = valid). */
  validateRequest(m: MatchedOperation, req: OpenApiRequest): string[] {
    const api = this.#api(m);
    const r = api.validateRequest(req, m.operationId);
    return r.valid ? [] : (r.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
  }

  /** Validates a response; a status the spec does not declare must still be a Splice `ErrorResponse`. */
  validateResponse(m: MatchedOperation, status: number, body: unknown): string[] {
    const api = this.#api(m);
    const op = api.getOperation(m.operationId);
    const declared = op?.responses && Object.hasOwn(op.responses, String(status));
    if (!declared) {
      if (status >= 400 && isErrorResponse(body)) return [];
      return [`status ${status} is not declared for ${m.operationId} and the body is not an ErrorResponse`];
    }
    const hasContent = Boolean((op.responses?.[String(status)] as { content?: unknown }).content);
    if (!hasContent) return body === undefined ? [] : [`${m.operationId} ${status} documents no body but one was sent`];
    const r = api.validateResponse(body, m.operationId, status);
    return r.valid ? [] : (r.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
  }

  #api(m: MatchedOperation): OpenAPIBackend {
    const a = this.#apis.find((x) => x.file === m.spec);
    if (!a) throw new Error(`unknown spec ${m.spec}`);
    return a.api;
  }
}

function isErrorResponse(b: unknown): boolean {
  return typeof b === 'object' && b !== null && typeof (b as { error?: unknown }).error === 'string';
}
