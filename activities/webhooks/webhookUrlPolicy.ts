// Which URLs the platform may POST webhooks to. Outside dev mode an endpoint must be a public address: a URL that
// names (or resolves to) a loopback, private, link-local or otherwise internal address would let a tenant make our
// workers call into our own network (SSRF). `npm start` and the tests run in dev mode, where local receivers are fine.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const internal = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  internal.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  internal.addSubnet(net, prefix, 'ipv6');
}

export class WebhookUrlNotAllowedError extends Error {
  readonly code = 'WEBHOOK_URL_NOT_ALLOWED';
}

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return internal.check(mapped[1], 'ipv4');
    return internal.check(address, 'ipv6');
  }
  return false;
}

export type ResolveHost = (host: string) => Promise<string[]>;

const systemResolve: ResolveHost = async (h) => (await lookup(h, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a webhook URL and returns the address to connect to. With allowInternal (dev mode) anything http(s) goes and
 * no address is pinned (null: connect by name). Otherwise literal internal addresses and `localhost` are refused, and
 * a host name is resolved and refused if any of its addresses is internal; the first address is returned so the
 * caller connects to exactly the address that was checked (a second DNS answer cannot differ: no rebinding). A name
 * that does not resolve is refused too: it cannot be delivered to. Throws WebhookUrlNotAllowedError.
 */
export async function resolveWebhookTarget(
  url: string,
  opts: { allowInternal: boolean; resolve?: ResolveHost | undefined },
): Promise<{ address: string; family: 4 | 6 } | null> {
  if (opts.allowInternal) return null;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) {
    throw new WebhookUrlNotAllowedError(`webhook URLs may not point at ${host}`);
  }
  const literal = isIP(host);
  if (literal) {
    if (isInternalAddress(host))
      throw new WebhookUrlNotAllowedError(`webhook URLs may not point at the internal address ${host}`);
    return { address: host, family: literal as 4 | 6 };
  }
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? systemResolve)(host);
  } catch {
    throw new WebhookUrlNotAllowedError(`the webhook host ${host} does not resolve`);
  }
  const bad = addresses.find(isInternalAddress);
  if (bad) throw new WebhookUrlNotAllowedError(`the webhook host ${host} resolves to the internal address ${bad}`);
  const first = addresses.find((a) => isIP(a) !== 0);
  if (!first) throw new WebhookUrlNotAllowedError(`the webhook host ${host} does not resolve`);
  return { address: first, family: isIP(first) as 4 | 6 };
}

/** Throws WebhookUrlNotAllowedError unless the URL may receive webhooks (see resolveWebhookTarget). */
export async function assertWebhookUrlAllowed(
  url: string,
  opts: { allowInternal: boolean; resolve?: ResolveHost | undefined },
): Promise<void> {
  await resolveWebhookTarget(url, opts);
}
