import PostalMime from 'postal-mime';

/** One recipient's outcome in a delivery status notification (RFC 3464). */
export interface DsnRecipient {
  action: string;
  status: string;
  recipient: string | null;
  diagnostic: string | null;
}

/** Reports larger than this are not read (a real DSN is a few KiB). */
export const DSN_MAX_BYTES = 1024 * 1024;

/**
 * Reads the per-recipient fields of a bounce report: postal-mime finds the
 * `message/delivery-status` part; its field groups are header-like lines separated by blank
 * lines, the first group being about the reporting server. Anything unreadable gives [].
 */
export async function readDsn(raw: string | Buffer): Promise<DsnRecipient[]> {
  if (raw.length > DSN_MAX_BYTES) return [];
  let parsed;
  try {
    parsed = await PostalMime.parse(raw, { attachmentEncoding: 'utf8' });
  } catch {
    return [];
  }
  const part = parsed.attachments.find((a) => a.mimeType.toLowerCase() === 'message/delivery-status');
  if (!part || typeof part.content !== 'string') return [];
  const groups = part.content.replace(/\r\n/g, '\n').split(/\n\s*\n/);
  return groups.slice(1).flatMap((group) => {
    const f = fields(group);
    if (!f.action || !f.status) return [];
    return [
      {
        action: f.action.toLowerCase(),
        status: f.status.split(/\s/)[0],
        recipient: f['final-recipient']?.replace(/^rfc822;\s*/i, '') ?? null,
        diagnostic: f['diagnostic-code']?.slice(0, 500) ?? null,
      },
    ];
  });
}

/** Header-like "Name: value" lines (with folded continuations) as a lowercase-keyed record. */
function fields(group: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = '';
  for (const line of group.split('\n')) {
    if (/^\s/.test(line) && last) out[last] += ` ${line.trim()}`;
    else {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) out[(last = m[1].toLowerCase())] = m[2].trim();
    }
  }
  return out;
}

/** A permanent failure: Action failed with a 5.x.x status. A 4.x.x status is a delay. */
export const isPermanent = (r: DsnRecipient) => r.action === 'failed' && /^5\./.test(r.status);
export const isDelay = (r: DsnRecipient) => /^4\./.test(r.status);
