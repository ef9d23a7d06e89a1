/**
 * Finds Prometheus's `promtool` (Debian package `prometheus`) for the alerting-rule tests, and takes the rule groups
 * out of the chart's rendered PrometheusRule.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { K8sObject } from './chart-render.ts';

/** The path of `promtool` on PATH; throws a message naming the package to install when there is none. */
export function findPromtool(path = process.env.PATH ?? ''): string {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'promtool');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('no promtool on PATH: install the Debian package prometheus (`apt-get update && apt-get install -y prometheus`); .ci/run does this on CI machines');
}

/** One alerting rule as the PrometheusRule holds it. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule group as the PrometheusRule holds it (and a Prometheus rule file takes it). */
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** The rule groups of the one PrometheusRule among rendered chart objects. */
export function ruleGroups(objects: K8sObject[]): RuleGroup[] {
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule in the rendered chart, found ${rules.length}`);
  return (rules[0] as K8sObject & { spec: { groups: RuleGroup[] } }).spec.groups;
}
