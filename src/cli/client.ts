import { createHeraldClient, HeraldApiError } from '../client/index.js';

/** A failure the CLI reports as its one line, then exits 1. */
export class CliError extends Error {}

/** Herald's typed client, with failures turned into the CLI's one-line reasons. */
export function cliClient(baseUrl: string, apiKey: string) {
  const herald = createHeraldClient({ baseUrl, apiKey });
  async function call<T>(run: () => Promise<{ data?: T }>): Promise<T> {
    try {
      return (await run()).data as T;
    } catch (err) {
      if (err instanceof HeraldApiError) {
        const first = err.details[0] as { line?: number; column?: string; message?: string } | undefined;
        const where = first?.line
          ? ` (line ${first.line}${first.column ? `, ${first.column}` : ''}: ${first.message})`
          : '';
        throw new CliError(`${err.status} ${err.code}: ${err.message}${where}`);
      }
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach Herald at ${baseUrl}: ${cause}`);
    }
  }
  return { herald, call };
}
export type CliClient = ReturnType<typeof cliClient>;
