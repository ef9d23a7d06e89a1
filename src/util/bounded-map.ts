/**
 * A Map that holds at most `max` entries: adding a key past the bound first drops the oldest one (insertion order).
 * For the operator's in-memory memos and trackers, which must not grow with every object ever seen.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private readonly max: number;

  constructor(max: number) {
    super();
    this.max = max;
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}
