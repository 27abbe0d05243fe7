import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { addressProblem, guardedLookup, hostOf } from './ssrf';

export interface PostOutcome {
  ok: boolean;
  /** HTTP status; null when no response came. */
  status: number | null;
  error: string | null;
}

// Keep-alive: a receiver that takes many deliveries reuses its connections.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };

/**
 * POSTs a webhook body. Plain node:http(s) rather than fetch: it never follows redirects (a 3xx is
 * a failure), and its `lookup` hook lets the SSRF check judge the very address the socket connects
 * to, which fetch cannot do without an extra dependency.
 */
export function postWebhook(urlText: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<PostOutcome> {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return Promise.resolve({ ok: false, status: null, error: 'the URL is not valid' });
  }
  const host = hostOf(url);
  if (isIP(host) && !opts.allowPrivate) {
    // A literal address is connected to without a look-up: judge it here.
    const problem = addressProblem(host);
    if (problem) return Promise.resolve({ ok: false, status: null, error: `refused: ${host} is ${problem}` });
  }
  const secure = url.protocol === 'https:';
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { 'content-type': 'application/json', 'user-agent': 'Omnibus-Webhooks/1', 'content-length': String(Buffer.byteLength(body)), ...headers },
      lookup: guardedLookup(opts.allowPrivate) as unknown as http.RequestOptions['lookup'],
    });
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    request.on('error', (err) => finish({ ok: false, status: null, error: err.message }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      // The body is read (and dropped) so the connection can be reused; a huge one is cut off.
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 64 * 1024) response.destroy();
      });
      response.on('error', () => undefined);
      response.on('close', () => {
        if (status >= 200 && status < 300) finish({ ok: true, status, error: null });
        else if (status >= 300 && status < 400) finish({ ok: false, status, error: `HTTP ${status}: redirects are not followed${response.headers.location ? ` (to ${String(response.headers.location).slice(0, 200)})` : ''}` });
        else finish({ ok: false, status, error: `HTTP ${status}` });
      });
    });
    request.end(body);
  });
}
