/**
 * `sv-kms plan MIGRATION` / `sv-kms plan -f migration.yaml`: the next side effect the operator would make — the vote
 * request with its target URL and body, the transfer and its amount, the Deployments it would scale, the ConfigMaps or
 * key Secret it would write — computed by the operator's own steps against the live cluster and network, reading only.
 * With -f, for a manifest not yet applied (a rehearsal against the real Scans).
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { load, YAML11_SCHEMA } from 'js-yaml';
import type { SvKmsMigration } from '../api/types.ts';
import { validateMigration } from '../api/validate.ts';
import type { Plan } from '../migration/plan.ts';
import type { KubeClient } from '../controller/kube-client.ts';
import type { TransferOrder } from '../migration/ports.ts';
import type { EXIT as ExitCodes } from './exit-codes.ts';
import type { CliIo, Command } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { CLUSTER_FLAGS, clusterOptions, migrationName, runClusterCommand, type ClusterOptions } from './cluster-command.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { printable } from './printable.ts';

const PREFIX = 'sv-kms plan';

const HELP = `Usage: sv-kms plan MIGRATION [options]
       sv-kms plan -f migration.yaml [options]

Shows the next side effect the operator would make for a migration, exactly (the vote request's URL and body, the
transfer and its amount, the Deployments it would scale, the ConfigMaps or key Secret it would write), computed by the
operator's own decision code against the live cluster and network. Reads only: nothing is written anywhere.
With -f, plans a manifest not applied yet (a rehearsal against the real Scans).

Options:
  -f, --file FILE        an SvKmsMigration manifest instead of one in the cluster
  -o, --output FORMAT    text (default) or json
  -n, --namespace NS     namespace of the SvKmsMigration (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig to use instead of KUBECONFIG / ~/.kube/config
  -h, --help             show this help

Exit codes: 0 planned (an effect or nothing to do now), 1 not found or the manifest is invalid, 2 usage error,
3 kubeconfig, cluster or network failure.
`;

const FLAGS = { file: { names: ['-f', '--file'], takesValue: true }, output: { names: ['-o', '--output'], takesValue: true }, ...CLUSTER_FLAGS } as const;

interface Invocation extends ClusterOptions {
  migration?: string;
  file?: string;
  json: boolean;
}

function parseInvocation(args: string[]): Invocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help) return 'help';
  const [migration, extra] = positionals;
  const file = values.file?.[0];
  if (extra !== undefined || (migration !== undefined && file !== undefined)) throw new UsageError('give either MIGRATION or -f FILE, not both');
  if (migration === undefined && file === undefined) throw new UsageError('which migration? give the name of the SvKmsMigration, or -f FILE');
  const output = values.output?.[0] ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output "${output}": give text or json`);
  return { ...(migration !== undefined ? { migration: migrationName(migration) } : {}), ...(file ? { file } : {}), json: output === 'json', ...clusterOptions(values) };
}

/** Where an effect goes and what it carries, for people: the request as it would be sent. */
export async function effectDetails(m: SvKmsMigration, plan: Extract<Plan, { kind: 'effect' }>): Promise<Record<string, unknown>> {
  const effect = plan.effect as { kind: string } & Record<string, unknown>;
  switch (effect.kind) {
    case 'requestVote': {
      const { voteRequestBody } = await import('../migration/steps/vote-step.ts');
      const { CREATE_VOTE_REQUEST_PATH } = await import('../splice/sv-app.ts');
      return { request: `POST ${m.spec.oldSv.svAppUrl}${CREATE_VOTE_REQUEST_PATH}`, vote: `${String(effect.label)}#${String(effect.attempt)}`, body: voteRequestBody(effect.request as Parameters<typeof voteRequestBody>[0]) };
    }
    case 'sendTransfer': {
      const order = effect.order as TransferOrder;
      const { operationPath } = await import('../splice/operations.ts');
      const operation = ({ TransferOffer: 'wallet.createTransferOffer', TokenStandard: 'wallet.createTokenStandardTransfer', TransferPreapproval: 'wallet.transferPreapprovalSend' } as const)[order.method];
      return { request: `POST ${m.spec.oldSv.walletUrl}${operationPath(operation)}`, method: order.method, amount: order.amount, receiver: order.receiverPartyId, trackingId: order.trackingId, description: order.description, expiresAt: order.expiresAt.toISOString() };
    }
    case 'acceptTransfer': {
      const { operationPath } = await import('../splice/operations.ts');
      const contract = { contract_id: String(effect.contractId) };
      const path = effect.method === 'TransferOffer' ? operationPath('wallet.acceptTransferOffer', contract) : operationPath('wallet.acceptTokenStandardTransfer', contract);
      return { request: `POST ${m.spec.newSv.walletUrl}${path}`, trackingId: effect.trackingId };
    }
    case 'scaleDown':
      return { scale: effect.workloads, namespace: effect.namespace };
    case 'writeValues':
      return { configMaps: (effect.configMaps as { metadata?: { namespace?: string; name?: string; annotations?: Record<string, string> } }[]).map((c) => ({ name: `${c.metadata?.namespace}/${c.metadata?.name}`, sha256: c.metadata?.annotations?.['svkms.dev/values-sha256'] })) };
    case 'generateKey':
      return { createSecret: `${String(effect.namespace)}/${String(effect.name)}` };
    default:
      return { effect };
  }
}

function render(plan: Plan, details: Record<string, unknown> | undefined): string {
  if (plan.kind === 'none') {
    const why = plan.outcome ? `${plan.outcome.kind}${'reason' in plan.outcome ? ` ${plan.outcome.reason}` : ''}: ${plan.outcome.message}` : 'the migration is complete';
    return `No side effect now (phase ${plan.phase}${plan.step ? `, step ${plan.step}` : ''}): ${why}\n`;
  }
  const lines = [`Next side effect (phase ${plan.phase}, step ${plan.step}): ${plan.describe}`, `Recorded in status before it is made: ${plan.checkpoint ? 'yes' : 'no (it cannot happen twice)'}`];
  for (const [k, v] of Object.entries(details ?? {})) lines.push(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}`);
  return `${lines.join('\n')}\n`;
}

function readManifest(file: string, io: CliIo): SvKmsMigration | (typeof ExitCodes)[keyof typeof ExitCodes] {
  let doc: unknown;
  try {
    doc = load(readFileSync(file, 'utf8'), { schema: YAML11_SCHEMA });
  } catch (err) {
    io.stderr.write(`${PREFIX}: cannot read ${printable(file)}: ${printable((err as Error).message)}\n`);
    return EXIT.failure;
  }
  const { migration, problems } = validateMigration(doc);
  if (!migration) {
    for (const p of problems) io.stderr.write(`${printable(file)}: ${printable(p.path)}: ${printable(p.message)}\n`);
    return EXIT.problems;
  }
  return migration;
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show the next side effect the operator would make for a migration (or a manifest), reading only.',
  run: (args: string[], io: CliIo) =>
    runClusterCommand({ prefix: PREFIX, help: HELP, parse: parseInvocation }, args, io, async (inv, { client, namespace }) => {
      const { SVKMS_MIGRATIONS } = await import('../operator/resources.ts');
      let m: SvKmsMigration | undefined;
      if (inv.file) {
        const read = readManifest(inv.file, io);
        if (typeof read === 'number') return read;
        m = { ...read, metadata: { ...read.metadata, namespace: read.metadata.namespace ?? namespace } };
      } else {
        m = await client.get<SvKmsMigration>(SVKMS_MIGRATIONS, namespace, inv.migration!);
        if (!m) {
          io.stderr.write(`${PREFIX}: SvKmsMigration ${namespace}/${printable(inv.migration!)} not found (check the name and -n/--namespace)\n`);
          return EXIT.problems;
        }
      }
      const plan = await planFor(client, m);
      const details = plan.kind === 'effect' ? await effectDetails(m, plan) : undefined;
      io.stdout.write(inv.json ? `${JSON.stringify({ ...plan, ...(details ? { details } : {}) }, null, 2)}\n` : render(plan, details));
      return EXIT.ok;
    }),
};

/** Plans with the operator's steps over a live, read-only view of the cluster and the real network clients. */
async function planFor(client: KubeClient, m: SvKmsMigration): Promise<Plan> {
  const { liveClusterView, NO_WRITES } = await import('../operator/live-cluster.ts');
  const { spliceAccess } = await import('../operator/splice-port.ts');
  const { kmsProbeFor } = await import('../kms/index.ts');
  const { planNext } = await import('../migration/plan.ts');
  const { DEFAULT_TIMING } = await import('../migration/ports.ts');
  const { secretScrubber } = await import('../observability/secret-scrubber.ts');
  const cluster = await liveClusterView(client, m);
  const registerSecret = (v: string) => secretScrubber.register(v);
  return planNext(
    m,
    { timing: DEFAULT_TIMING, cluster, actions: NO_WRITES, kmsProbe: kmsProbeFor, splice: spliceAccess({ cluster, registerSecret }), event: () => Promise.resolve(undefined), registerSecret },
    { now: new Date(), signal: AbortSignal.timeout(60_000), log: pino({ level: 'silent' }) },
  );
}
