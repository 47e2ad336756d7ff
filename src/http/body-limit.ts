import { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * The request body limit, decided from the headers wherever they decide it. Hono's `bodyLimit`
 * first asks for `c.req.raw.body`; under @hono/node-server that one question turns the light
 * request it hands us into a full WHATWG `Request`, with the socket wrapped in a web stream, for
 * every request, a GET included, and the JSON body is then read through that stream instead of
 * straight from the socket (with the response rebuilt the same way, see `setResponseHeader`,
 * undici's objects, web streams and transferables were about 6% of the service's CPU profile
 * under the event load; this one about 2%).
 *
 * A request that Node's HTTP parser framed (node-server passes its `IncomingMessage` as
 * `c.env.incoming`) has a body only as RFC 9112 §6 says: none with neither `Content-Length` nor
 * `Transfer-Encoding`, and with a length alone never more bytes than the length, so the header
 * is the size. A chunked body has no size until it is read, and a request built in the process
 * (`app.request` in the tests) has no framing at all: those two go through Hono's `bodyLimit`,
 * which counts the bytes as they arrive.
 */
export function limitBody(maxSize: number, tooLarge: () => never): MiddlewareHandler {
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const framed = (c.env as { incoming?: unknown } | undefined)?.incoming instanceof IncomingMessage;
    if (!framed || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    const length = c.req.header('content-length');
    if (length !== undefined && Number.parseInt(length, 10) > maxSize) tooLarge();
    await next();
  };
}
