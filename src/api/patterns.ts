/**
 * Regular expressions for the SvKmsMigration schema. They are deliberately narrow: every string that ends up in HOCON
 * or YAML is limited to characters that cannot break out of a quoted value.
 */

/** A Kubernetes namespace or other DNS-1123 label. */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** A Kubernetes object name (DNS-1123 subdomain). */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A key in a Secret's or ConfigMap's data. */
export const DATA_KEY = '^[-._a-zA-Z0-9]+$';
/**
 * An http(s) URL whose path is printable ASCII without space, quotes, backslash, backtick or `$`. The path class lists
 * ASCII ranges explicitly (`!`, `#`, `%`-`&`, `(`-`[`, `]`-`_`, `a`-`~`) rather than using `\s`, which means Unicode
 * whitespace in JavaScript but ASCII whitespace in the API server's RE2: explicit ranges mean the same in both, so
 * the API server and `validateMigration` agree on every URL (non-ASCII and control characters are refused by both).
 */
export const HTTP_URL = '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!#%&(-\\[\\]-_a-~]*)?$';
/** A gRPC target `host:port` (Canton's GCP `endpoint-override`), host may be an IPv6 literal in brackets. */
export const HOST_PORT = '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';
/**
 * A duration as Canton's HOCON reads it: a whole number and one unit (`500ms`, `10s`, `5m`, `1h`, `7d`). Compound
 * durations such as `1h30m` are not HOCON and are rejected.
 */
export const DURATION = '^[0-9]{1,9}(ms|s|m|h|d)$';
/** An Amulet amount: a non-negative decimal with at most 10 fractional digits (Daml Numeric 10). */
export const AMOUNT = '^[0-9]{1,20}(\\.[0-9]{1,10})?$';
/** A Canton party id, `<hint>::<fingerprint>`. */
export const PARTY_ID = '^[A-Za-z0-9_.-]+::[0-9a-fA-F]{8,}$';
/** An SV name as it appears in DsoRules.svs (e.g. `Digital-Asset-2`). */
export const SV_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
/** An AWS region such as `us-east-1` or `us-gov-west-1`. */
export const AWS_REGION = '^[a-z]{2}(-[a-z]+)+-[0-9]+$';
/** A GCP project id. */
export const GCP_PROJECT_ID = '^[a-z][-a-z0-9]{4,28}[a-z0-9]$';
/** A GCP location (`global`, `us-east1`, `nam-eur-asia1`). */
export const GCP_LOCATION_ID = '^[a-z][-a-z0-9]*[a-z0-9]$';
/** A GCP key ring id: letters, digits, `_` and `-`, 1 to 63 characters. */
export const GCP_KEY_RING_ID = '^[A-Za-z0-9_-]{1,63}$';
/** An AWS tag key or value (the characters AWS allows). */
export const AWS_TAG = '^[A-Za-z0-9 +\\-=._:/@]*$';
/** A Canton version such as `3.5.8`, or a snapshot such as `3.5.14-snapshot.20260801.123.0.vabc`. */
export const CANTON_VERSION = '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';
/** A Splice version such as `0.7.4` (a leading `v` allowed), or a snapshot such as `0.7.5-snapshot.20260901.4.0.vabc`. */
export const SPLICE_VERSION = '^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';
/** A database host name or IP address (no port), as in the participant chart's `persistence.host`. */
export const DB_HOST = '^[A-Za-z0-9]([-A-Za-z0-9.:_]*[A-Za-z0-9])?$';
/** An RFC 3339 timestamp in UTC (`2026-12-01T00:00:00Z`). */
export const RFC3339_UTC = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$';

/** What each pattern means, for error messages (`must be <hint>`). */
export const PATTERN_HINTS: Record<string, string> = {
  [DNS_LABEL]: 'a DNS-1123 label (lower-case letters, digits and -, e.g. sv-kms)',
  [DNS_SUBDOMAIN]: 'a Kubernetes object name (lower-case letters, digits, - and ., e.g. splice-app-sv-key)',
  [DATA_KEY]: 'a Secret/ConfigMap data key (letters, digits, -, _ and .)',
  [HTTP_URL]: 'an http(s) URL of printable ASCII without spaces, quotes, backslashes, backticks or $, e.g. https://sv.sv-1.example.com',
  [HOST_PORT]: 'a gRPC target host:port, e.g. cloudkms.googleapis.com:443 (not a URL)',
  [DURATION]: 'a duration of one whole number and one unit (ms, s, m, h, d), e.g. 500ms, 10s, 168h',
  [AMOUNT]: 'a non-negative decimal amount with at most 10 fractional digits, e.g. 1000.5',
  [PARTY_ID]: 'a Canton party id <hint>::<fingerprint>, e.g. Acme-2::1220ab…',
  [SV_NAME]: 'an SV name of letters, digits, ., _ and - starting with a letter or digit, e.g. Acme-2',
  [AWS_REGION]: 'an AWS region such as us-east-1',
  [GCP_PROJECT_ID]: 'a GCP project id (6 to 30 lower-case letters, digits and -, starting with a letter)',
  [GCP_LOCATION_ID]: 'a GCP location such as us-east1 or global',
  [GCP_KEY_RING_ID]: 'a GCP key ring id (1 to 63 letters, digits, _ and -)',
  [AWS_TAG]: 'an AWS tag value (letters, digits, spaces and + - = . _ : / @)',
  [CANTON_VERSION]: 'a Canton version such as 3.5.8 or a snapshot such as 3.5.14-snapshot.20260801.123.0.vabc',
  [SPLICE_VERSION]: 'a Splice version such as 0.7.4 or a snapshot such as 0.7.5-snapshot.20260901.4.0.vabc',
  [DB_HOST]: 'a host name or IP address such as postgres.sv.svc.cluster.local (no port, no scheme)',
  [RFC3339_UTC]: 'an RFC 3339 UTC timestamp such as 2026-12-01T00:00:00Z',
};
