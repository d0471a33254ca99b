/** Checks that the hub's ports are free before anything starts, so a clash is one clear line. */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

export async function assertPortFree(
  port: number,
  what: string,
  envVar: string,
  host = '127.0.0.1',
): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        reject(
          new PortInUseError(
            `Port ${port} (${what}) is already in use. Stop whatever holds it (\`lsof -i :${port}\`), or choose another port with ${envVar}=<port>.`,
          ),
        );
      } else reject(error);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
