import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from '../logger.js';
import { AddressGate, guardPackets, type Refusal } from './guard.js';

/** What the broker asks of the application; it knows nothing of farms or readings itself. */
export interface BrokerHooks<Identity> {
  /** Who a client is, from its CONNECT credentials; undefined refuses the connection. */
  authenticate(username: string | undefined, password: string | undefined): Promise<Identity | undefined>;
  /**
   * Whose credentials an identity signed in with. A CONNECT reusing the client id of a live session
   * held by other credentials is refused ("not authorized"), so no one takes over (and disconnects)
   * another device's session by knowing its client id; the same credentials may take their own
   * session over (a device reconnecting). Without it, the last CONNECT wins, as MQTT has it.
   */
  holder?(identity: Identity): string;
  /**
   * Called for every PUBLISH from a client before the broker acknowledges it (QoS 1 PUBACK): resolve
   * once the message is safely stored; throw to refuse it (the client is disconnected, so a QoS 1
   * message will be sent again).
   */
  publish(identity: Identity, topic: string, payload: Buffer): Promise<void>;
  /** Whether the client may subscribe to this topic filter. */
  maySubscribe(identity: Identity, topic: string): boolean;
  /** After a subscription is granted (a device ready for its commands). */
  subscribed?(identity: Identity, topic: string): void;
  /** After a signed-in client's connection is accepted. */
  connected?(identity: Identity): void;
  /** After a signed-in client's connection ends (once for each `connected`). */
  disconnected?(identity: Identity): void;
  /** Something a device did that the broker refused or corrected (counted, not logged one by one). */
  refused?(reason: Refusal | 'packet_too_large' | 'retain_cleared'): void;
}

/** What one device, or one address, may take of the broker. */
export interface BrokerLimits {
  /** The largest packet read: a connection announcing more is closed before any of it is held. */
  maxPacketBytes: number;
  connectionsPerAddress: number;
  connectsPerMinute: number;
}

export type BrokerState = 'running' | 'off' | 'port_taken';

export interface BrokerStatus {
  state: BrokerState;
  port: number | null;
}

export interface EmbeddedBroker {
  status: BrokerStatus;
  /** Publishes a message from the application (config, commands). */
  publish(topic: string, payload: string | Buffer, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  /** Disconnects clients whose identity matches (credentials revoked). */
  disconnect(match: (identity: unknown) => boolean): void;
  /**
   * Serves one connection that came another way (MQTT over WebSocket, from the HTTP server): the
   * same limits, authentication, ACL and acknowledge-after-commit as the broker's own listeners.
   */
  accept(connection: Duplex, address: string): void;
  /** Where MQTT over TLS listens, when it does. */
  tlsPort: number | null;
  close(): Promise<void>;
}

const IDENTITY = Symbol('croft.identity');
type WithIdentity<I> = Client & { [IDENTITY]?: I };

/**
 * Starts the embedded MQTT broker (Aedes) on `port` (0 picks a free one). When `stepAsideIfTaken`
 * and the port is in use — another broker already runs there — Croft goes on without its own.
 */
export async function startBroker<I>(options: {
  port: number;
  host: string;
  stepAsideIfTaken: boolean;
  hooks: BrokerHooks<I>;
  limits: BrokerLimits;
  /** MQTT over TLS beside the plain listener: its port and PEM certificate and key. */
  tls?: { port: number; cert: Buffer; key: Buffer };
  log: Logger;
}): Promise<EmbeddedBroker> {
  const { hooks, log, limits } = options;
  const gate = new AddressGate(limits);
  const refused = (reason: Parameters<NonNullable<BrokerHooks<I>['refused']>>[0]) => hooks.refused?.(reason);
  const clients = () => (aedes as unknown as { clients: Record<string, WithIdentity<I> | undefined> }).clients;
  const aedes: Aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      hooks.authenticate(username, password?.toString('utf8')).then(
        (identity) => {
          if (!identity) {
            const error = Object.assign(new Error('Bad username or password'), { returnCode: 4 as const });
            done(error, false);
            return;
          }
          const live = clients()[client.id];
          const held = live && live !== client ? live[IDENTITY] : undefined;
          if (held !== undefined && hooks.holder && hooks.holder(held) !== hooks.holder(identity)) {
            log.warn({ client: client.id }, 'MQTT client id in use by other credentials: connection refused');
            done(Object.assign(new Error('Client id in use'), { returnCode: 5 as const }), false);
            return;
          }
          (client as WithIdentity<I>)[IDENTITY] = identity;
          done(null, true);
        },
        (error: unknown) => {
          log.error({ err: error }, 'MQTT authentication failed');
          done(Object.assign(new Error('Server unavailable'), { returnCode: 3 as const }), false);
        },
      );
    },
    authorizePublish: (client, packet: PublishPacket, callback) => {
      const identity = (client as WithIdentity<I> | null)?.[IDENTITY];
      if (!identity) {
        callback(new Error('not signed in'));
        return;
      }
      if (packet.retain) {
        // A device's message is not kept for later subscribers (it would sit in memory for ever);
        // refusing it instead would disconnect an MQTT 3.1.1 device, which has no per-message refusal.
        packet.retain = false;
        refused('retain_cleared');
      }
      hooks
        .publish(identity, packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload))
        .then(
          () => callback(null),
          (error: unknown) => {
            // Not acknowledged: the client is disconnected and sends the message again when it reconnects.
            log.warn(
              { client: client?.id, topic: packet.topic, err: error },
              'MQTT message refused; the client is disconnected',
            );
            callback(error instanceof Error ? error : new Error(String(error)));
          },
        );
    },
    authorizeSubscribe: (client, subscription: Subscription, callback) => {
      const identity = (client as WithIdentity<I>)[IDENTITY];
      // A refusal answers SUBACK 0x80 for that filter and keeps the connection.
      callback(null, identity && hooks.maySubscribe(identity, subscription.topic) ? subscription : null);
    },
  });
  aedes.on('clientError', (client, error) => log.debug({ client: client.id, err: error.message }, 'MQTT client error'));
  aedes.on('subscribe', (subscriptions, client) => {
    const identity = (client as WithIdentity<I> | null)?.[IDENTITY];
    if (identity && hooks.subscribed) for (const s of subscriptions) hooks.subscribed(identity, s.topic);
  });
  aedes.on('client', (client) => {
    const identity = (client as WithIdentity<I>)[IDENTITY];
    if (identity && hooks.connected) hooks.connected(identity);
  });
  aedes.on('clientDisconnect', (client) => {
    const identity = (client as WithIdentity<I>)[IDENTITY];
    if (identity && hooks.disconnected) hooks.disconnected(identity);
  });

  /** Counts a connection from `address` against its limits, or closes it (false). */
  const admit = (connection: Duplex, address: string): boolean => {
    const admitted = gate.admit(address);
    if ('refused' in admitted) {
      refused(admitted.refused);
      connection.destroy();
      return false;
    }
    connection.once('close', admitted.release);
    return true;
  };
  /** Hands an admitted connection to Aedes behind the packet-size guard. */
  const serve = (connection: Duplex, address: string) =>
    aedes.handle(
      guardPackets(connection, limits.maxPacketBytes, () => {
        refused('packet_too_large');
        log.debug({ address }, 'MQTT packet larger than CROFT_MQTT_MAX_PACKET: connection closed');
      }),
    );
  const tlsPort = () => (tlsServer?.listening ? (tlsServer.address() as net.AddressInfo).port : null);
  const addressOf = (socket: net.Socket) => socket.remoteAddress ?? 'unknown';

  // No Nagle: a command is a few dozen bytes that must go out now, not wait for the device's ACK.
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (admit(socket, addressOf(socket))) serve(socket, addressOf(socket));
  });
  let tlsServer: tls.Server | undefined;
  const status: BrokerStatus = { state: 'off', port: null };
  const listen = (on: net.Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      on.once('error', reject);
      on.listen(port, options.host, () => {
        on.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(server, options.port);
    status.state = 'running';
    status.port = (server.address() as net.AddressInfo).port;
    log.info({ port: status.port }, `embedded MQTT broker listening on port ${status.port}`);
    if (options.tls) {
      const { cert, key } = options.tls;
      tlsServer = tls.createServer({ cert, key, minVersion: 'TLSv1.2', noDelay: true });
      // Counted at the TCP connection, before the handshake's cost (a refused one never gets secure).
      tlsServer.on('connection', (socket: net.Socket) => admit(socket, addressOf(socket)));
      tlsServer.on('secureConnection', (socket: tls.TLSSocket) => serve(socket, addressOf(socket)));
      tlsServer.on('tlsClientError', (error) => log.debug({ err: error.message }, 'MQTT TLS handshake failed'));
      await listen(tlsServer, options.tls.port);
      log.info({ port: tlsPort() }, `MQTT over TLS listening on port ${tlsPort()}`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && options.stepAsideIfTaken) {
      status.state = 'port_taken';
      log.warn(
        { port: options.port },
        `MQTT port ${options.port} is taken (another broker runs there?): Croft runs without its embedded broker. ` +
          'Point devices at that broker with MQTT_URL, or set CROFT_MQTT_PORT to another port.',
      );
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      return {
        status,
        publish: async () => {},
        disconnect: () => {},
        accept: (connection) => connection.destroy(),
        tlsPort: null,
        close: async () => {},
      };
    }
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  return {
    status,
    publish: (topic, payload, publishOptions = {}) =>
      new Promise<void>((resolve, reject) => {
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
            qos: publishOptions.qos ?? 1,
            retain: publishOptions.retain ?? false,
            dup: false,
          },
          (error) => (error ? reject(error) : resolve()),
        );
      }),
    accept(connection, address) {
      if (admit(connection, address)) serve(connection, address);
    },
    tlsPort: tlsPort(),
    disconnect(match) {
      for (const client of Object.values(clients())) {
        if (client && client[IDENTITY] !== undefined && match(client[IDENTITY])) client.close();
      }
    },
    async close() {
      // Aedes first: it disconnects the clients, so the server has no connections left to wait for.
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tlsServer) await new Promise<void>((resolve) => tlsServer!.close(() => resolve()));
      status.state = 'off';
    },
  };
}
