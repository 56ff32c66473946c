/**
 * GET for test clients that poll a server for a long time. A kept-alive connection that the server closes for
 * idleness (fastify: after 72 s) can be reused by the client at the very moment it closes — the keep-alive race
 * every HTTP client meets, more likely on a loaded machine. fetch (undici) does not retry, so a GET (idempotent)
 * that fails with a closed socket is sent again, once, on a fresh connection. Any other failure is thrown.
 */
export async function idempotentGet(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (err) {
    const code = ((err as Error).cause as { code?: string } | undefined)?.code;
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw err;
    return fetch(url);
  }
}
