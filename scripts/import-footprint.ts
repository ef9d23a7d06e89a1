// What loading the operator costs: the modules `sv-kms run` imports before it starts (the CLI, the operator's
// wiring), then the kubeconfig when one is given (loaded and its credentials built, as the first request does), and
// what that left in memory. Prints one JSON line: the number of modules loaded, how many of them belong to
// @kubernetes/client-node, to its generated API (dist/gen/) and to undici, heap used and RSS (MB, after a GC when run with
// --expose-gc), and the milliseconds the imports took. src/controller/kube-access.test.ts runs it to check that the
// operator never loads client-node; run it by hand to compare:
//
//   npm exec -- node --expose-gc scripts/import-footprint.ts [--kubeconfig FILE]
import { registerHooks } from 'node:module';
import { parseArgs } from 'node:util';

const loaded = new Set<string>();
// Records every module Node loads from here on (ESM and CommonJS alike), before any of the operator is imported.
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
const gc = (globalThis as { gc?: () => void }).gc;
const started = performance.now();
await import('../src/cli/main.ts');
await import('../src/operator/operator.ts');
if (values.kubeconfig) {
  const { loadKubeAccess } = await import('../src/controller/kube-access.ts');
  const access = await loadKubeAccess({ file: values.kubeconfig });
  await Promise.all([access.headers(), access.agent()]);
}
const ms = performance.now() - started;
gc?.();
const memory = process.memoryUsage();
const urls = [...loaded];
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
console.log(
  JSON.stringify({
    modules: urls.length,
    clientNode: urls.filter((u) => u.includes('/node_modules/@kubernetes/client-node/')).length,
    clientNodeGenerated: urls.filter((u) => u.includes('/node_modules/@kubernetes/client-node/dist/gen/')).length,
    undici: urls.filter((u) => u.includes('/node_modules/undici/')).length,
    heapUsedMB: mb(memory.heapUsed),
    rssMB: mb(memory.rss),
    importMs: Math.round(ms),
    gc: gc !== undefined,
  }),
);
