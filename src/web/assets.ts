import fs from 'node:fs';
import type { Handler } from 'hono';
import type { AppEnv } from '../http/context.js';

/**
 * The workspace's stylesheet is the files `app.css` and `phone.css` beside this module, in that
 * order, served as one (scripts/copy-assets.mjs puts them beside the compiled one). They are read
 * once, when the web routes are built, so a service shipped without them fails at start rather
 * than on a user's first page.
 */
export const STYLESHEET_FILES = [new URL('./app.css', import.meta.url), new URL('./phone.css', import.meta.url)];

/** GET /app/assets/app.css: the stylesheet, cacheable for an hour (it holds nothing personal). */
export function stylesheetRoute(): Handler<AppEnv> {
  const stylesheet = STYLESHEET_FILES.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
  return (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(stylesheet);
  };
}
