// Renders the plain manifests in deploy/manifests/ from the operator chart with its default values (helm template,
// release sv-kms-operator, namespace sv-kms-system). Run by `npm run generate` after sync-chart-crds.ts; a test fails
// when the committed manifests differ.
import { testBinaries } from '../test/env/binaries.ts';
import { manifestFiles, writeGenerated } from './chart.ts';

const files = manifestFiles(testBinaries().helm);
writeGenerated(files);
console.log(`wrote ${files.map((f) => f.path).join(', ')}`);
