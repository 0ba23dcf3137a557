import net from 'node:net';
import type { App } from '../../src/app.js';

/**
 * Sends only a request's head (no body) to the app, listening on a free port, and answers what came back
 * once a JSON body arrived: for the refusals made from the head alone, such as 413 by Content-Length before
 * any byte of the body is read.
 */
export async function sendHeadOnly(app: App, head: string): Promise<string> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = new URL(address);
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n') && text.includes('}')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(head);
  });
}
