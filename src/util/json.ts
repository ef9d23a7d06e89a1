/**
 * A deep copy of JSON data (manifests, Helm values, status). Not structuredClone: a structured clone made by another
 * realm (as under Jest, whose sandbox gets the host's structuredClone) holds objects that libraries checking
 * `constructor === Object` (cel-js, js-yaml) reject.
 */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
