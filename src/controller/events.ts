/**
 * Kubernetes Events (core/v1, what `kubectl describe` shows). A repeat of the same event on the same object within
 * the aggregation window bumps the count of the existing Event instead of creating a new one, as client-go's
 * correlator does. Messages pass through the secret scrubber. Failing to record an Event never fails a reconcile.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { BoundedMap } from '../util/bounded-map.ts';
import { isAlreadyExists, isNotFound, RUNTIME_RESOURCES, type KubeClient, type KubeObject } from './kube-client.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface EventRecorderOptions {
  component: string;
  instance: string;
  scrub?: (text: string) => string;
  logger?: Logger;
  /** Repeats within this window are aggregated into one Event. */
  aggregateWindowMs?: number;
  /** The signal Event writes run under (the leadership term's: a replica that lost the lease records nothing). */
  signal?: () => AbortSignal | undefined;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

const MAX_TRACKED = 4096;

export class KubeEventRecorder implements EventRecorder {
  private readonly client: KubeClient;
  private readonly opts: Required<Omit<EventRecorderOptions, 'logger'>> & Pick<EventRecorderOptions, 'logger'>;
  private readonly seen = new BoundedMap<string, Seen>(MAX_TRACKED);

  constructor(client: KubeClient, opts: EventRecorderOptions) {
    this.client = client;
    this.opts = { scrub: (t) => t, aggregateWindowMs: 10 * 60_000, signal: () => undefined, ...opts };
  }

  async event(obj: KubeObject, type: EventType, reason: string, rawMessage: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const message = this.opts.scrub(rawMessage).slice(0, 1024);
    const key = createHash('sha256').update(`${meta.uid}\u0000${type}\u0000${reason}\u0000${message}`).digest('hex').slice(0, 16);
    const now = Date.now();
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const request = { signal: this.opts.signal() };
    try {
      const prior = this.seen.get(key);
      if (prior && now - prior.at < this.opts.aggregateWindowMs) {
        prior.count += 1;
        prior.at = now;
        try {
          await this.client.patch(RUNTIME_RESOURCES.events, prior.namespace, prior.name, { count: prior.count, lastTimestamp: time }, 'merge', request);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const name = `${meta.name ?? 'object'}.${now.toString(16)}${key.slice(0, 6)}`.slice(0, 253);
      try {
        await this.client.create(RUNTIME_RESOURCES.events, namespace, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
          type,
          reason,
          message,
          count: 1,
          firstTimestamp: time,
          lastTimestamp: time,
          source: { component: this.opts.component },
          reportingComponent: this.opts.component,
          reportingInstance: this.opts.instance,
        } as KubeObject, request);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      this.seen.set(key, { name, namespace, count: 1, at: now });
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message, reason }, 'could not record an Event');
    }
  }
}
