/**
 * The fault tests' HTTP client: node:http with a keep-alive agent and no retries of its
 * own, so every request is sent once and its fate is classified exactly as the checker
 * needs: an answer, refused (never reached a server: nothing happened), or indeterminate.
 */
import { Agent, request } from 'node:http';

/** What one request came to. */
export type CallResult =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'refused' }
  | { readonly kind: 'indeterminate'; readonly reason: string };

/** A client bound to one agent (its own connection pool). */
export class FaultClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly timeoutMs: number) {}

  /** Sends one request and classifies its outcome; never throws. */
  call(method: 'GET' | 'POST' | 'DELETE', url: string, form?: Record<string, string>): Promise<CallResult> {
    const body = form === undefined ? undefined : new URLSearchParams(form).toString();
    return new Promise<CallResult>((resolve) => {
      let settled = false;
      const settle = (result: CallResult): void => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => settle({ kind: 'response', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => settle({ kind: 'indeterminate', reason: err.message }));
          res.on('aborted', () => settle({ kind: 'indeterminate', reason: 'response aborted' }));
        },
      );
      req.on('timeout', () => {
        settle({ kind: 'indeterminate', reason: 'timeout' });
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        settle(err.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'indeterminate', reason: err.code ?? err.message });
      });
      req.end(body);
    });
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}
