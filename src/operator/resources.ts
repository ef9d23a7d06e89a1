/** The SvKmsMigration resource type for the Kubernetes client. */
import type { ResourceType } from '../controller/kube-client.ts';
import { GROUP, KIND, PLURAL, VERSION } from '../api/schema.ts';

export const SVKMS_MIGRATIONS: ResourceType = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND, namespaced: true };
