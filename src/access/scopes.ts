/** What a key may do (DESIGN §15). `*`: everything in its tenant. */
export const SCOPES = [
  'invites:read',
  'invites:write',
  'invites:propose',
  'events:read',
  'webhooks:manage',
  'suppressions:manage',
  'templates:manage',
  'policy:manage',
  'keys:manage',
  '*',
] as const;
export type Scope = (typeof SCOPES)[number];

// A scope and the ones it implies: writing invites includes reading and proposing them.
const IMPLIES: Partial<Record<Scope, Scope[]>> = { 'invites:write': ['invites:read', 'invites:propose'] };

/** Whether scopes `held` grant `needed`. */
export function grants(held: readonly string[], needed: Scope): boolean {
  return held.some((s) => s === '*' || s === needed || (IMPLIES[s as Scope] ?? []).includes(needed));
}

/** A `scopeIds` entry (`TYPE:ID`) as an invite scope; the id may itself hold colons. */
export function parseScopeId(s: string): { type: string; id: string } {
  const at = s.indexOf(':');
  return { type: s.slice(0, at), id: s.slice(at + 1) };
}

/** Whether an invite scope is one of a key's `scopeIds`. */
export const inScopes = (allowed: string[], scope: { type: string; id: string } | null) =>
  scope !== null && allowed.includes(`${scope.type}:${scope.id}`);
