import fs from 'node:fs';
import type { Handler } from 'hono';
import type { AppEnv } from '../http/context.js';

/**
 * The workspace's stylesheet is the file `app.css` beside this module (scripts/copy-assets.mjs
 * puts it beside the compiled one). It is read once, when the web routes are built, so a
 * service shipped without it fails at start rather than on a user's first page.
 */
export const STYLESHEET_FILE = new URL('./app.css', import.meta.url);

/** GET /app/assets/app.css: the stylesheet, cacheable for an hour (it holds nothing personal). */
export function stylesheetRoute(): Handler<AppEnv> {
  const stylesheet = fs.readFileSync(STYLESHEET_FILE, 'utf8');
  return (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(stylesheet);
  };
}
