/** The one error type: a stable machine `code`, an HTTP status and a human sentence. */
export class HeraldError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'invite') => new HeraldError(`${what}_not_found`, 404, `No such ${what}.`);

export const invalid = (field: string, message: string, code = 'validation_failed') =>
  new HeraldError(code, 400, `${field}: ${message}`, [{ field, message }]);
