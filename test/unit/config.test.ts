import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_URL_DEFAULTED: true,
      OUTBOX_DIR: './outbox',
      MAIL_FROM: 'Herald <invites@localhost>',
      PUBLIC_URL: 'http://localhost:3000',
      INVITE_TTL: 604800,
      EXPIRY_SWEEP_EVERY: 60000,
      REDIRECT_ALLOWLIST: ['http://localhost:3000'],
      RESEND_COOLDOWN: 60,
      BULK_MAX: 10000,
      SEND_ATTEMPTS: 8,
      SEND_BACKOFF: 10000,
      PUBLIC_RATE_LIMIT: 120,
      LOG_LEVEL: 'info',
    });
    expect(c.SMTP_URL).toBeUndefined();
    expect(c.API_KEYS).toBeUndefined();
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
  });

  it('reads REDIS_CLUSTER_NODES as seed nodes and names it when malformed', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001' }).REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
    ]);
    expect(loadConfig({}).REDIS_CLUSTER_NODES).toBeUndefined();
    for (const bad of ['redis://a:7000', 'a', 'a:b', 'a:7000,,b:7001'])
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('spreads invites over 16 partitions and the delivery queue over 4 shards on a cluster, 1 each on one Redis, unless told', () => {
    expect(loadConfig({}).REDIS_PARTITIONS).toBe(1);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).REDIS_PARTITIONS).toBe(16);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_PARTITIONS: '4' }).REDIS_PARTITIONS).toBe(4);
    expect(loadConfig({ REDIS_PARTITIONS: '3' }).REDIS_PARTITIONS).toBe(3);
    for (const bad of ['0', '65', '2.5', 'many'])
      expect(() => loadConfig({ REDIS_PARTITIONS: bad })).toThrow(/REDIS_PARTITIONS/);
    expect(loadConfig({}).DELIVERY_SHARDS).toBe(1);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).DELIVERY_SHARDS).toBe(4);
    expect(loadConfig({ DELIVERY_SHARDS: '2' }).DELIVERY_SHARDS).toBe(2);
    for (const bad of ['0', '17'])
      expect(() => loadConfig({ DELIVERY_SHARDS: bad })).toThrow(/DELIVERY_SHARDS/);
  });

  it('parses lists and normalises origins', () => {
    const c = loadConfig({
      API_KEYS: 'a, b,,c',
      REDIRECT_ALLOWLIST: 'https://App.Example.com/path,http://x.test:8080',
      PUBLIC_URL: 'https://h.example/',
    });
    expect(c.API_KEYS).toEqual(['a', 'b', 'c']);
    expect(c.REDIRECT_ALLOWLIST).toEqual(['https://app.example.com', 'http://x.test:8080']);
    expect(c.PUBLIC_URL).toBe('https://h.example');
  });

  it('lists every bad value at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        SMTP_URL: 'ftp://x',
        INVITE_TTL: '-1',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://nope',
        MAIL_FROM: 'a\r\nb',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const key of ['PORT', 'SMTP_URL', 'INVITE_TTL', 'LOG_LEVEL', 'REDIS_URL', 'MAIL_FROM'])
        expect(problems).toContain(key);
    }
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default and takes true, a hop count or addresses', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1,10.0.0.2' }).TRUST_PROXY).toBe('10.0.0.1,10.0.0.2');
  });
});

describe('deliverability settings', () => {
  it('refuses a DKIM key that is not one, and a partial DKIM setup, naming the keys', () => {
    const bad = () =>
      loadConfig({
        DKIM_DOMAIN: 'example.com',
        DKIM_SELECTOR: 's1',
        DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----',
      });
    expect(bad).toThrow(/DKIM_PRIVATE_KEY: not a usable private key/);
    expect(() => loadConfig({ DKIM_DOMAIN: 'example.com' })).toThrow(/set all three/);
    expect(() => loadConfig({ DOMAIN_RATES: 'gmail.com=20,bad,*=x' })).toThrow(/DOMAIN_RATES: "bad"/);
    expect(loadConfig({ DOMAIN_RATES: 'Gmail.com=20,*=50' }).DOMAIN_RATES).toEqual({
      'gmail.com': 20,
      '*': 50,
    });
    expect(loadConfig({ MAIL_FROM: 'Team <team@example.com>' }).BOUNCE_ADDRESS).toBe('team@example.com');
  });
});
