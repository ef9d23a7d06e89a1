/**
 * Run-time validators of the Splice responses, compiled from the schemas generated out of the upstream OpenAPI files
 * (src/splice/generated/<version>/response-schemas.ts; no spec file is needed at run time). They check the HTTP
 * envelope; Daml contract payloads are opaque objects in the specs and are checked by src/splice/daml-payloads.ts.
 */
import semver from 'semver';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { RESPONSE_SCHEMAS_BY_VERSION } from './generated/index.ts';
import { NEWEST_SPLICE_API_VERSION, SPLICE_API_VERSIONS } from './operations.ts';
import type { OperationKey, SpliceApiVersion } from './operations.ts';
import type { BodyValidator, JsonHttpOptions } from './http.ts';

// Upstream's schemas, not ours: no strict mode (they carry OpenAPI keywords such as `nullable`), and formats
// (`int64`, `date-time`) are not checked: the clients check shapes and parse the values they use.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/** The validator of `key`'s 2xx body in `version`, or undefined when the operation documents no body. */
export function responseValidator<T>(version: SpliceApiVersion, key: OperationKey): ValidateFunction<T> | undefined {
  const id = `${version} ${key}`;
  const hit = compiled.get(id);
  if (hit) return hit as ValidateFunction<T>;
  const entry = RESPONSE_SCHEMAS_BY_VERSION[version][key];
  if (!entry) throw new Error(`no generated response schema for ${key} in Splice ${version}: run npm run generate:splice`);
  if (entry.schema === null) return undefined;
  const fn = ajv.compile<T>(entry.schema);
  compiled.set(id, fn);
  return fn;
}

/**
 * A validator that checks the generated envelope schema `E` of `key`, then `payload` (the Daml parts, `P`), reporting
 * the problems of whichever failed first.
 */
export function envelopeAnd<E, P = unknown>(version: SpliceApiVersion, key: OperationKey, payload?: BodyValidator<P>): BodyValidator<E & P> {
  const envelope = responseValidator<unknown>(version, key);
  if (!envelope) throw new Error(`${key} documents no response body`);
  const check = ((body: unknown): body is E & P => {
    if (!envelope(body)) {
      check.errors = envelope.errors;
      return false;
    }
    if (payload && !payload(body)) {
      check.errors = payload.errors;
      return false;
    }
    check.errors = null;
    return true;
  }) as BodyValidator<E & P>;
  return check;
}

/** Options of every Splice client: the HTTP settings and which Splice version's schemas to validate against. */
export interface SpliceClientOptions extends Omit<JsonHttpOptions, 'api'> {
  /** The network's Splice version, when known (`getVersion()`); default: the newest known (newer ones add fields). */
  apiVersion?: SpliceApiVersion;
}

/**
 * The spec set to validate a network of Splice `version` against: the newest known API version not newer than it
 * (an older network lacks fields a newer spec requires); the newest when the version is unknown or unparsable.
 */
export function apiVersionFor(version: string | undefined): SpliceApiVersion {
  const v = version === undefined ? null : semver.coerce(version, { includePrerelease: false });
  if (!v) return NEWEST_SPLICE_API_VERSION;
  const known = [...SPLICE_API_VERSIONS].reverse().find((k) => semver.lte(k, v));
  return known ?? SPLICE_API_VERSIONS[0];
}

/** The API version a client validates against. */
export function apiVersionOf(opts: SpliceClientOptions): SpliceApiVersion {
  return opts.apiVersion ?? NEWEST_SPLICE_API_VERSION;
}
