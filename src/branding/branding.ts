import { z } from 'zod';
import { HeraldError } from '../errors.js';
import { text } from '../invites/inputs.js';
import { addressOf } from '../mail/settings.js';
import { HERALD_BRAND, type BrandValues } from '../mail/templates.js';

const https = z.url({ protocol: /^https$/, message: 'must be an https URL' }).max(2000);

/** A tenant's branding as PUT /v1/branding takes it (DESIGN §16): every field optional. */
export const brandingInput = z.strictObject({
  productName: text(100).nullish(),
  logoUrl: https.nullish(),
  primaryColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb')
    .nullish(),
  fromName: text(100).nullish(),
  fromAddress: z.email().max(254).nullish(),
  replyTo: z.email().max(254).nullish(),
  footer: text(500).nullish(),
  supportUrl: https.nullish(),
});
export type BrandingInput = z.infer<typeof brandingInput>;
export const BRANDING_FIELDS = Object.keys(brandingInput.shape) as (keyof BrandingInput)[];
/** Stored and shown: every field, null when unset. */
export type Branding = { [K in keyof BrandingInput]-?: string | null };

/** Every field of an input, null when not given (PUT replaces the whole branding). */
export const normalise = (b: BrandingInput): Branding =>
  Object.fromEntries(BRANDING_FIELDS.map((f) => [f, b[f] ?? null])) as Branding;

/** A fromAddress outside SENDER_DOMAINS: 422 sender_not_allowed. */
export function checkSender(b: Branding, senderDomains: string[]) {
  const domain = b.fromAddress?.split('@')[1]?.toLowerCase();
  if (domain !== undefined && !senderDomains.includes(domain))
    throw new HeraldError(
      'sender_not_allowed',
      422,
      `fromAddress must be at one of: ${senderDomains.join(', ')}.`,
      [{ field: 'fromAddress', allowed: senderDomains }],
    );
}

/** The placeholders' values: the tenant's, or Herald's where unset. */
export const brandValues = (b: Branding): BrandValues => ({
  productName: b.productName ?? HERALD_BRAND.productName,
  primaryColor: b.primaryColor?.toLowerCase() ?? HERALD_BRAND.primaryColor,
  logoUrl: b.logoUrl ?? HERALD_BRAND.logoUrl,
  footer: b.footer ?? HERALD_BRAND.footer,
  supportUrl: b.supportUrl ?? HERALD_BRAND.supportUrl,
});

/** The From of a tenant's messages: its name and address where set, else MAIL_FROM's. */
export function senderOf(b: Branding, mailFrom: string): string | { name: string; address: string } {
  if (!b.fromAddress && !b.fromName) return mailFrom;
  const address = b.fromAddress ?? addressOf(mailFrom);
  // nodemailer quotes and encodes the display name, so a name cannot add a header.
  return b.fromName ? { name: b.fromName, address } : address;
}
