import { createServer } from "node:net";

export class PortError extends Error {}

/**
 * A loopback port that was free a moment ago. Ports are never fixed, so parallel runs never
 * collide; the tiny window before the process binds it is covered by the starters' retry.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new PortError(
          `no free loopback port (${err.code ?? err.message}): too many sockets open? check 'ss -s' and the ephemeral range in /proc/sys/net/ipv4/ip_local_port_range`,
        ),
      ),
    );
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const seen = new Set<number>();
  while (seen.size < n) seen.add(await freePort());
  return [...seen];
}
