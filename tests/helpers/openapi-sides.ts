/**
 * Which parts of an OpenAPI document describe requests: parameters, request bodies, the
 * component schemas reachable from them, and the security schemes. Used by the tests that
 * check request-side limits (maxLength, the OWASP ruleset) on the generated document.
 */
type Json = Record<string, unknown>;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export type OpenApiDocument = { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, unknown> } };

/** Every schema reachable from a value, following local `$ref`s; each component once. */
export function componentRefs(value: unknown, into = new Set<string>(), components: Record<string, unknown> = {}): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) componentRefs(item, into, components);
  } else if (value && typeof value === 'object') {
    const ref = (value as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (!into.has(name)) {
        into.add(name);
        componentRefs(components[name], into, components);
      }
    }
    for (const item of Object.values(value)) componentRefs(item, into, components);
  }
  return into;
}

/** The operations of the document, each with its request parts. */
export function operations(doc: OpenApiDocument) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        path,
        method,
        operation: operation as { parameters?: Array<{ name: string; in: string; schema?: unknown }>; requestBody?: { content?: Record<string, { schema?: unknown }> } },
        shared: (item.parameters ?? []) as Array<{ name: string; in: string; schema?: unknown }>,
      })),
  );
}

/** A predicate over a location in the document (a path of keys): does it describe a request? */
export function requestSide(doc: OpenApiDocument): (location: string[]) => boolean {
  const components = doc.components?.schemas ?? {};
  const requestComponents = new Set<string>();
  for (const { operation, shared } of operations(doc)) {
    componentRefs([...(operation.parameters ?? []), ...shared, operation.requestBody ?? {}], requestComponents, components);
  }
  return (location) => {
    const [root, a, b, c] = location;
    if (root === 'paths') {
      if (b === 'parameters') return true;
      // The operation itself (its security, its parameters, its body) is the request; its responses are not.
      if (b !== undefined && HTTP_METHODS.includes(b)) return c !== 'responses' && c !== 'callbacks';
      return false;
    }
    if (root === 'components') {
      if (a === 'schemas') return b !== undefined && requestComponents.has(b);
      if (a === 'responses' || a === 'headers' || a === 'examples') return false;
      return true; // security schemes, parameters, request bodies
    }
    return true; // the document's own settings (servers, security): counted as request-side, to be strict
  };
}
