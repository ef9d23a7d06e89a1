// Copies the generated CRDs (crds/) into the operator chart's crds/ folder, which Helm installs before the templates.
// Run by `npm run generate`; a test fails when the chart's copy differs.
import { CHART_CRDS_DIR, chartCrdFiles, removeStale, writeGenerated } from './chart.ts';

const files = chartCrdFiles();
writeGenerated(files);
const removed = removeStale(CHART_CRDS_DIR, files);
console.log(`wrote ${files.map((f) => f.path).join(', ')}${removed.length ? `; removed ${removed.join(', ')}` : ''}`);
