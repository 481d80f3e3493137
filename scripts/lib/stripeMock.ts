// stripe-mock (github.com/stripe/stripe-mock) on a free loopback port: a local stand-in for the Stripe API that
// validates every request against Stripe's OpenAPI document and answers with fixtures. It keeps no state, so tests
// assert what was sent and how answers are mapped. The binary comes from the tools step:
//
//   const { 'stripe-mock': bin } = await ensureTools(['stripe-mock']);
//   const stripe = await startStripeMock(bin);   // stripe.url = http://127.0.0.1:<port>
//
// The `stripe` SDK talks to it with `new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`.
import { spawn } from 'node:child_process';
import { freePort } from './freePort.js';
import { stopChild } from './temporalDevServer.js';

export interface StripeMock {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startStripeMock(binary: string | undefined, timeoutMs = 30_000): Promise<StripeMock> {
  if (!binary) throw new Error("stripe-mock: no binary (run the tools step first: ensureTools(['stripe-mock']))");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Loopback only. Given -http-addr, stripe-mock also serves HTTPS (default port 12112, which a second instance could
  // not take): that listener goes to a port the system picks.
  const args = ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:'];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stripe-mock exited with ${child.exitCode}: ${stderr}`);
    try {
      // Any HTTP answer means it is listening (without a key it answers 401).
      await fetch(`${url}/v1/customers`, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`stripe-mock did not answer on ${url} within ${timeoutMs} ms: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, port, stop: () => stopChild(child, 5_000) };
}
