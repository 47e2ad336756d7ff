import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Permission } from '../src/access/permissions.js';
import { ROLES, rolesValidForKind, type OrganisationKind, type Role } from '../src/domain.js';
import type { OrganisationRow } from '../src/organisations/service.js';
import { createTestContext, type TestContext } from './helpers/context.js';

/** Every route × every role: a role outside a route's permission never gets a 2xx (it gets 403). */
let t: TestContext;
const orgFor = new Map<Role, OrganisationRow>();

beforeAll(async () => {
  t = await createTestContext();
  const kinds: OrganisationKind[] = ['prison', 'court', 'probation', 'treatment_provider', 'ngo', 'halfway_house', 'coordinator'];
  for (const kind of kinds) {
    const org = await t.organisation(kind);
    for (const role of rolesValidForKind(kind)) if (!orgFor.has(role)) orgFor.set(role, org);
  }
});
afterAll(() => t.close());

const SAMPLE_PARAMS: Record<string, string> = { country: 'KZ', id: '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b' };

describe('role × route matrix', () => {
  it('no disallowed role reaches a route, and each disallowed pair is 403', async () => {
    const paths = (await t.request('GET', '/openapi.json')).json.paths as Record<string, Record<string, { 'x-permission': string }>>;
    let checked = 0;
    for (const [template, methods] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const permission = operation['x-permission'];
        if (permission === 'public') continue;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE_PARAMS[name] ?? SAMPLE_PARAMS.id!);
        for (const role of ROLES) {
          const allowed = (PERMISSIONS[permission as Permission] as readonly Role[]).includes(role);
          const token = await t.tokenFor(orgFor.get(role)!, role);
          const response = await t.request(method.toUpperCase(), path, { token, ...(method === 'get' ? {} : { body: {} }) });
          if (!allowed) {
            expect(response.status, `${role} ${method.toUpperCase()} ${template}`).toBe(403);
            checked += 1;
          } else {
            expect(response.status, `${role} ${method.toUpperCase()} ${template}`).not.toBe(403);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });
});
