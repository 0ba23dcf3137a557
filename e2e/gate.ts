import net from 'node:net';

/**
 * A TCP gate the test owns between the phone and Croft. Closed, Croft cannot be reached at all: new
 * connections are refused, and open ones (the live socket, a keep-alive connection, the service worker's
 * fetches) are cut. Playwright's offline switch cuts neither service-worker fetches nor WebSockets, and a
 * stopped server would lose the process under test; this does neither.
 */
export interface Gate {
  /** The address the phone opens (the gate's own host and port, which stay the same when it reopens). */
  readonly url: string;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startGate(target: string, host = '127.0.0.1'): Promise<Gate> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const open = () =>
    new Promise<void>((resolve, reject) => {
      const listening = net.createServer((phone) => {
        const croft = net.connect(Number(targetPort), hostname);
        sockets.add(phone).add(croft);
        const cut = () => {
          phone.destroy();
          croft.destroy();
          sockets.delete(phone);
          sockets.delete(croft);
        };
        phone.on('error', cut).on('close', cut);
        croft.on('error', cut).on('close', cut);
        phone.pipe(croft).pipe(phone);
      });
      listening.once('error', reject);
      listening.listen(port, host, () => {
        port = (listening.address() as net.AddressInfo).port;
        server = listening;
        resolve();
      });
    });

  await open();
  return {
    get url() {
      return `http://${host}:${port}`;
    },
    open,
    async close() {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

/** This machine's own address on its network (not loopback): plain http there is not a secure context. */
export function networkAddress(interfaces: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>): string {
  for (const list of Object.values(interfaces))
    for (const address of list ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  throw new Error('this machine has no IPv4 address besides loopback: the plain-http test needs one');
}
