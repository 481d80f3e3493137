// A free TCP port on 127.0.0.1 for a server we are about to start in another process.
//
// Why not `listen(0)`: the kernel hands out port 0 from the ephemeral range, the same range it draws from for the
// local end of every outgoing connection. Between our probe closing and the child binding, any process on the machine
// opening a connection (a test's Postgres pool, a Temporal client) can take that port, and the child dies with
// EADDRINUSE. Ports below the ephemeral range are only ever taken by listeners, so a probe there stays valid unless
// another listener picks the same port in that instant; random choice over ~12,000 ports makes that negligible.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 20_000;

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(start);
    return Number.isInteger(n) && n > LOWEST + 1_000 ? n : 32_768;
  } catch {
    return 32_768; // not Linux: the IANA dynamic range starts at 49152, so this is below it too
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${highest} after 200 tries`);
}
