import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/** The route label of a request nobody declared (a wrong path or method): one value, however many paths are tried. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The pattern of the route a request matched (`/cases/:id`, `/app/cases/:id`), never its path:
 * ids stay out of the labels and the label has as many values as there are routes. Middleware
 * registered for every path (`*`) is not a route.
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let index = routes.length - 1; index >= 0; index -= 1) {
    const route = routes[index]!;
    if (!(route.method === 'ALL' && route.path.endsWith('*'))) return route.path;
  }
  return UNMATCHED_ROUTE;
}
