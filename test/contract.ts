import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped.
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (
  a: Ajv,
) => void;

// Every response the integration tests receive is checked against the OpenAPI document the app
// serves: its status must be one the operation lists, and a JSON body must match the schema.
// A new route or status that is not documented fails the test that meets it.

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
}

export function contractChecker(doc: Doc) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const routes = Object.entries(doc.paths).map(([path, ops]) => ({
    re: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    ops,
  }));
  const cache = new Map<string, ValidateFunction>();
  return (
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: string,
  ): string | null => {
    const path = url.split('?')[0];
    const route = routes.find((r) => r.re.test(path));
    const op = route?.ops[method.toLowerCase()];
    if (!op) return null; // not a documented operation (pages, /docs): nothing to check
    const res = op.responses[String(status)] ?? op.responses.default;
    if (!res)
      return `${method} ${path} answered ${status}, which the document does not list (${Object.keys(op.responses).join(', ')})`;
    const schema = res.content?.['application/json']?.schema;
    if (!schema || !contentType?.startsWith('application/json') || body === '') return null;
    const key = `${method} ${path} ${status}`;
    let validate = cache.get(key);
    if (!validate) cache.set(key, (validate = ajv.compile(schema)));
    if (validate(JSON.parse(body))) return null;
    return `${method} ${path} ${status}: body does not match the document: ${ajv.errorsText(validate.errors)}`;
  };
}
