/**
 * The upstream splice-participant and splice-sv-node charts, ready for the real helm: copied (read-only fixture →
 * private temp folder, never written in place) with their file:// dependency on splice-util-lib built. Tests and the
 * demo render with them exactly as a user's `helm install` would. Two fixture sets: 0.4.15 (the default) and 0.6.12.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { REPO_ROOT, testBinaries, UPSTREAM_DIR } from './binaries.ts';
import { parseValuesYaml } from '../../src/render/values.ts';

export type SpliceChart = 'splice-participant' | 'splice-sv-node';
export type RenderedObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function makeWritable(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

/** One set of upstream fixture files (../shared/upstream/splice-<version>), read in place. */
export interface SpliceFixture {
  /** The Splice version of the charts. */
  version: string;
  dir: string;
}

/** The 0.4.15 fixtures (the default everywhere). */
export const FIXTURE_0_4_15: SpliceFixture = { version: '0.4.15', dir: UPSTREAM_DIR };
/** The 0.6.12 fixtures (the tree the 0.6.12 release was cut from; see its MANIFEST.md). */
export const FIXTURE_0_6_12: SpliceFixture = {
  version: '0.6.12',
  dir: process.env.SPLICE_0_6_UPSTREAM_DIR ?? join(REPO_ROOT, '..', 'shared', 'upstream', 'splice-0.6.12'),
};
/** Every fixture set; render tests run against each. */
export const SPLICE_FIXTURES: readonly SpliceFixture[] = [FIXTURE_0_4_15, FIXTURE_0_6_12];

/**
 * The minimal chart values upstream's own tests use (what a real install adds: database, auth, images). 0.4.15: its
 * derived input files; 0.6.12: the same sets as its chart tests (`tests/participant-db-conflict-check_test.yaml`,
 * `tests/sv_synchronizers_test.yaml`), the sv-node one in the `synchronizers` layout unless `layout` says `domain`.
 */
export function minimalValues(chart: SpliceChart, fixture: SpliceFixture = FIXTURE_0_4_15, layout: 'domain' | 'synchronizers' = 'synchronizers'): Record<string, unknown> {
  const file = chart === 'splice-participant' ? 'participant-minimal-values.yaml' : 'sv-node-minimal-values.yaml';
  const v0415 = parseValuesYaml(readFileSync(join(UPSTREAM_DIR, 'derived/helm-render/inputs', file), 'utf8'));
  if (fixture.version === FIXTURE_0_4_15.version || chart === 'splice-participant' || layout === 'domain') return v0415;
  const { domain, ...rest } = v0415;
  return { ...rest, synchronizers: { current: domain } };
}

export class SpliceCharts {
  readonly work: string;
  private readonly env: NodeJS.ProcessEnv;
  private counter = 0;

  readonly fixture: SpliceFixture;

  constructor(fixture: SpliceFixture = FIXTURE_0_4_15) {
    this.fixture = fixture;
    this.work = mkdtempSync(join(tmpdir(), 'svkms-charts-'));
    for (const chart of ['splice-participant', 'splice-sv-node', 'splice-util-lib']) {
      cpSync(join(fixture.dir, 'cluster', 'helm', chart), join(this.work, 'charts', chart), { recursive: true });
    }
    makeWritable(join(this.work, 'charts'));
    this.env = {
      PATH: process.env.PATH,
      HOME: this.work,
      HELM_CACHE_HOME: join(this.work, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(this.work, 'helm', 'config'),
      HELM_DATA_HOME: join(this.work, 'helm', 'data'),
    };
    this.helm('dependency', 'build', join(this.work, 'charts', 'splice-participant'));
    this.helm('dependency', 'build', join(this.work, 'charts', 'splice-sv-node'));
  }

  helm(...args: string[]): string {
    return execFileSync(testBinaries().helm, args, { encoding: 'utf8', env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** A values file path for an object (written as JSON, which YAML reads) or YAML text. */
  valuesFile(values: Record<string, unknown> | string): string {
    const file = join(this.work, `values-${++this.counter}.yaml`);
    writeFileSync(file, typeof values === 'string' ? values : JSON.stringify(values));
    return file;
  }

  /** `helm template` of one chart; values are files or objects, later ones win. */
  template(chart: SpliceChart, release: string, namespace: string, ...values: (string | Record<string, unknown>)[]): RenderedObject[] {
    const files = values.map((v) => (typeof v === 'string' && !v.includes('\n') ? v : this.valuesFile(v)));
    const out = this.helm('template', release, join(this.work, 'charts', chart), '--namespace', namespace, ...files.flatMap((f) => ['-f', f]));
    return (loadAll(out) as (RenderedObject | null)[]).filter((d): d is RenderedObject => d !== null);
  }

  /** The Deployment of a render. */
  static deployment(objects: RenderedObject[], name?: string): RenderedObject {
    const d = objects.find((o) => o.kind === 'Deployment' && (name === undefined || o.metadata?.name === name));
    if (!d) throw new Error(`no Deployment${name ? ` ${name}` : ''} rendered`);
    return d;
  }

  remove(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}
