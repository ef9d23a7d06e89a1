// Writes the generated artefacts from src/api/schema.ts: the CRD under crds/ and the TypeScript types.
import { writeFileSync } from 'node:fs';
import { CRD_FILE, renderCrdYaml } from '../src/api/crd.ts';
import { TYPES_FILE, renderTypes } from '../src/api/typegen.ts';
import { REFERENCE_FILE, renderReference } from '../src/api/reference.ts';

writeFileSync(CRD_FILE, renderCrdYaml());
writeFileSync(TYPES_FILE, await renderTypes());
writeFileSync(REFERENCE_FILE, renderReference());
console.log(`wrote ${CRD_FILE}, ${TYPES_FILE} and ${REFERENCE_FILE}`);
