import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export type RunningServer = {
  port: number;
  /**
   * Graceful stop: no new connections, idle keep-alive sockets closed, in-flight requests
   * allowed to finish; after `timeoutMs` the remaining connections are cut.
   */
  close(timeoutMs: number): Promise<void>;
};

export function listen(fetch: (request: Request) => Response | Promise<Response>, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        close: (timeoutMs) =>
          new Promise<void>((done) => {
            const http = server as Server;
            const timer = setTimeout(() => http.closeAllConnections(), timeoutMs);
            // A keep-alive connection becomes idle when its in-flight request ends: close it then,
            // rather than waiting for the client's keep-alive timeout.
            const sweeper = setInterval(() => http.closeIdleConnections(), 50);
            timer.unref();
            sweeper.unref();
            http.close(() => {
              clearTimeout(timer);
              clearInterval(sweeper);
              done();
            });
            http.closeIdleConnections();
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}
