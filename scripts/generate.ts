// Writes the generated artefacts from src/api/schema.ts: the CRD under crds/ and the TypeScript types.
import { writeFileSync } from 'node:fs';
import { CRD_FILE, renderCrdYaml } from '../src/api/crd.ts';
import { TYPES_FILE, renderTypes } from '../src/api/typegen.ts';

writeFileSync(CRD_FILE, renderCrdYaml());
writeFileSync(TYPES_FILE, await renderTypes());
console.log(`wrote ${CRD_FILE} and ${TYPES_FILE}`);
