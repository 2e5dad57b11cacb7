/** Small pieces for outbound HTTP: the fetch seam services take, and a body read that stops at a size bound. */

/** What services call instead of the global fetch (tests pass one that reaches only loopback fakes). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The body as UTF-8 text, at most `limit` bytes: reading stops there and the rest is cancelled, so an endless or
 * huge answer costs no more than the bound. A cut may split the last character.
 */
export async function readBodyCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size >= limit) await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Why a fetch threw: timed out (its AbortSignal.timeout fired), or the network code (ECONNREFUSED…) or message. */
export function fetchFailureOf(err: unknown): { timedOut: boolean; reason: string } {
  const name = (err as Error)?.name;
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return {
    timedOut: name === 'TimeoutError' || name === 'AbortError',
    reason: cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err),
  };
}
