import net from 'node:net';

/**
 * A TCP proxy the test (or the benchmark) controls, between the service and PostgreSQL, so a
 * database outage can be injected without ever stopping the shared server.
 *
 * - `startTcpProxy({ host, port })` listens on a free local port and forwards every connection.
 * - `cut()` stops listening and destroys every open connection: the service sees its
 *   connections drop and new ones refused.
 * - `restore()` listens again on the same port.
 * - `close()` cuts and stops for good.
 * - `port` is the local port; `urlFor(databaseUrl)` rewrites a postgres URL to go through it.
 */
export type TcpProxy = {
  readonly port: number;
  readonly connections: number;
  urlFor(databaseUrl: string): string;
  cut(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let opened = 0;
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const listening = net.createServer((client) => {
        opened += 1;
        const upstream = net.connect(target.port, target.host);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const close = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', close).on('close', close);
        upstream.on('error', close).on('close', close);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as net.AddressInfo).port;
        server = listening;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Connections accepted since the start (a reconnecting client shows up here). */
    get connections() {
      return opened;
    },
    urlFor(databaseUrl: string) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut() {
      server?.close();
      server = undefined;
      destroyAll();
    },
    async restore() {
      if (!server) await listen();
    },
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
}

/** The host and port of a postgres URL, for `startTcpProxy`. */
export function targetOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}
