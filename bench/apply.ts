/**
 * Applies one AWS SvKmsMigration per namespace, all at once (bounded in-flight requests), recording when each create
 * was sent. The migrations are the integration tests' ones (examples/aws-migration.yaml pointed at moto).
 */
import type { SvKmsMigration } from '../src/api/types.ts';
import { awsTestMigration } from '../test/support/migrations.ts';
import { SVKMS_MIGRATIONS } from '../src/operator/resources.ts';
import { forEachLimited, type PooledKubeClient } from './pooled-client.ts';

/** Name of the migration in each namespace. */
export const MIGRATION_NAME = 'to-aws';

/** One applied migration: its key, the object the API server returned, and when its create was sent (performance.now()). */
export interface Applied {
  key: string;
  migration: SvKmsMigration;
  appliedAt: number;
}

export async function applyMigrations(
  client: PooledKubeClient,
  namespaces: readonly string[],
  motoEndpoint: string,
  concurrency: number,
  onApplied: (a: Applied) => void,
): Promise<void> {
  await forEachLimited(namespaces, concurrency, async (ns) => {
    const m = awsTestMigration(MIGRATION_NAME, ns, motoEndpoint);
    const appliedAt = performance.now();
    const created = await client.request<SvKmsMigration>({ method: 'POST', path: client.path(SVKMS_MIGRATIONS, ns), body: m });
    onApplied({ key: `${ns}/${MIGRATION_NAME}`, migration: created, appliedAt });
  });
}
