import { describe, expect, it } from 'vitest';
import { inviteView, toView, type InviteDoc } from '../../src/invites/invite.js';
import { LAYOUT, parseDoc } from '../../src/invites/layout.js';
import { FIELDS, STATUS_LETTERS, type StoredField } from '../../src/invites/schema.js';
import { PARTITION_KEYS, partitionKeys } from '../../src/keys.js';

const fields = Object.entries(FIELDS as Record<string, StoredField>);

describe('the invite schema (one declaration, the rest derived)', () => {
  it('gives every field a stored name of its own, and every status a letter of its own', () => {
    const names = fields.map(([, f]) => f.stored);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain(LAYOUT.top.id);
    const letters = Object.values(STATUS_LETTERS);
    expect(new Set(letters).size).toBe(letters.length);
    for (const [, f] of fields) {
      const inner = Object.values(f.nested?.names ?? f.items?.names ?? {});
      expect(new Set(inner).size).toBe(inner.length);
    }
  });

  it('derives the codec: a document written with short names and base-36 times reads back whole', () => {
    const at = Date.UTC(2026, 11, 6);
    const stored = {
      [FIELDS.salt.stored]: 'salt',
      [FIELDS.digest.stored]: 'dg',
      [FIELDS.email.stored]: 'Ada@Example.com',
      [FIELDS.emailKey.stored]: 'ada@example.com',
      [FIELDS.inviter.stored]: {},
      [FIELDS.delivery.stored]: { s: 'sent', ls: (at + 1).toString(36) },
      [FIELDS.acceptedBy.stored]: [{ u: 'u1', a: (at + 2).toString(36) }],
      [FIELDS.createdAt.stored]: at.toString(36),
      [FIELDS.updatedAt.stored]: at.toString(36),
    };
    const doc = parseDoc(
      `${STATUS_LETTERS.accepted}${JSON.stringify(stored)}\ncreated:${at.toString(36)}\n`,
      'inv_x',
    );
    expect(doc).toMatchObject({
      id: 'inv_x',
      status: 'accepted',
      emailKey: 'ada@example.com',
      maxUses: 1,
      tenant: 'default',
      templateVersion: null,
      inviter: { id: null, name: null },
      delivery: { status: 'sent', lastSentAt: at + 1, sends: 0 },
      acceptedBy: [{ userId: 'u1', email: null, at: at + 2 }],
      createdAt: at,
    });
    // Every declared default is filled in (a list fresh for each document), and the view shows
    // every field the schema shows.
    const bare = `${STATUS_LETTERS.pending}${JSON.stringify({ [FIELDS.createdAt.stored]: '1' })}`;
    const [one, two] = [parseDoc(bare, 'a'), parseDoc(bare, 'b')];
    expect(one.acceptedBy).toEqual([]);
    expect(one.acceptedBy).not.toBe(two.acceptedBy);
    expect(one).toMatchObject({ status: 'pending', createdAt: 1, scope: null, reminders: [] });
    for (const [name, f] of fields) if ('default' in f) expect(doc).toHaveProperty(name);
    const view = toView(doc as InviteDoc, 'CODE', 'http://h', at);
    expect(inviteView.parse(view)).toEqual(view);
    const shown = fields.filter(([, f]) => f.view !== false).map(([n]) => n);
    expect(Object.keys(view).sort()).toEqual(['id', 'code', 'url', 'status', ...shown, 'expiredAt'].sort());
    expect(view).not.toHaveProperty('salt');
    expect(view.delivery.lastSentAt).toBe(new Date(at + 1).toISOString());
  });

  it('hands Lua the same key names the TypeScript builds', () => {
    expect(LAYOUT.keys).toBe(PARTITION_KEYS);
    const k = partitionKeys('{p}');
    expect(k.invite('inv_1')).toBe(`{p}:${LAYOUT.keys.invite}:inv_1`);
    expect(k.batchEnded('b')).toBe(`{p}:${LAYOUT.keys.batch}:b:${LAYOUT.keys.batchEnded}`);
    expect(LAYOUT.times).toEqual(expect.arrayContaining(['createdAt', 'lastSentAt', 'at']));
    expect(LAYOUT.indexed).toMatchObject({ email: 'emailKey', sid: 'scope.id', user: 'acceptedBy.userId' });
  });
});
