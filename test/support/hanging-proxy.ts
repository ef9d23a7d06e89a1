/**
 * A TCP proxy on 127.0.0.1 between one client and the API server that can *hang*: stop forwarding in both
 * directions without closing anything, as a stuck load balancer or a network partition does (requests neither answer
 * nor fail; only the client's own deadlines end them). `resume` forwards again; connections that lost bytes while
 * hung are broken, so they are reset, and new ones work.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeConfig as KubeConfigClass } from '@kubernetes/client-node';

export class HangingProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; dropped: boolean }>();
  private hung = false;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      const pair = { client, upstream, dropped: false };
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (this.hung) pair.dropped = true;
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      const end = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  /** Starts a proxy to `server` (an https:// or http:// URL). */
  static async start(server: string): Promise<HangingProxy> {
    const url = new URL(server);
    const proxy = new HangingProxy({ host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** A copy of `kc` whose current cluster is reached through this proxy (same TLS settings; the name is 127.0.0.1). */
  kubeConfig(kc: KubeConfig): KubeConfig {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server);
    url.host = `127.0.0.1:${this.port}`;
    const copy = new KubeConfigClass();
    copy.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: url.origin } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return copy;
  }

  /** Stops forwarding; nothing is closed. */
  hang(): void {
    this.hung = true;
  }

  /** Forwards again; connections that lost bytes meanwhile are reset. */
  resume(): void {
    this.hung = false;
    for (const pair of [...this.pairs]) {
      if (!pair.dropped) continue;
      pair.client.destroy();
      pair.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
