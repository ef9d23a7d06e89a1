/**
 * Locates the test bed's binaries (kube-apiserver, etcd, kubectl, helm) through scripts/test-binaries.sh, which uses
 * KUBEBUILDER_ASSETS / HELM_BIN when set and otherwise builds them once from their Go modules into a cache folder.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestBinaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  helm: string;
  /** test/lua-runner built: runs Argo CD Lua customizations under gopher-lua. */
  luaRunner: string;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

let found: TestBinaries | undefined;

export function testBinaries(): TestBinaries {
  if (found) return found;
  let out: string;
  try {
    out = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'test-binaries.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 60 * 60 * 1000,
    });
  } catch (err) {
    throw new Error(`could not find or build the test binaries (see the messages above): ${(err as Error).message}`, { cause: err });
  }
  const vars = Object.fromEntries(
    out
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  found = { kubeApiserver: vars.KUBE_APISERVER!, etcd: vars.ETCD!, kubectl: vars.KUBECTL!, helm: vars.HELM!, luaRunner: vars.LUA_RUNNER! };
  return found;
}

/** The upstream Splice 0.4.15 fixtures (charts, example values, OpenAPI specs), read in place, never copied. */
export const UPSTREAM_DIR = process.env.SPLICE_UPSTREAM_DIR ?? join(REPO_ROOT, '..', 'shared', 'upstream', 'splice-0.4.15');
