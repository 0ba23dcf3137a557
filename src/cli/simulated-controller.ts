import mqtt, { type MqttClient } from 'mqtt';

/** How a simulated controller misbehaves, for watching the loop and for tests. */
export interface ControllerBehaviour {
  /** Answer every command `failed`. */
  fail?: boolean;
  /** Wait this long between `executing` and `completed`. */
  slowMs?: number;
  /** Send every acknowledgement twice (as a flaky link would). */
  repeatAcks?: boolean;
  /** Run commands but never answer (the answer is lost). */
  silent?: boolean;
}

export interface ControllerOptions {
  broker: string;
  username: string;
  password: string;
  /** The topic prefix its credentials came with: croft/{farm}/{device}. */
  topicPrefix: string;
  behaviour?: ControllerBehaviour;
  /** Heartbeat period; 0 sends none. */
  heartbeatMs?: number;
  firmware?: string;
  /** Told of each command it runs (once per command id), with the channel states after it. */
  onCommand?: (
    command: { action: string; channel?: string; value?: number },
    state: Record<string, string | number>,
  ) => void;
}

interface ReceivedCommand {
  command_id: string;
  action: string;
  value?: number;
  channel?: string;
  duration_ms?: number;
  expires_at: string;
}

/**
 * A well-behaved device controller (an ESP32 driving relays) over MQTT: it heartbeats, takes its
 * configuration, runs each command id once however often it arrives (delivery is at least once),
 * and reports executing → completed (or failed). It can be told to go offline and to misbehave.
 */
export class SimulatedController {
  readonly received: ReceivedCommand[] = [];
  /** Command id → times actually executed (a well-behaved device: at most 1). */
  readonly executed = new Map<string, number>();
  /** Channel (or "main") → its state. */
  readonly state: Record<string, string | number> = {};
  config: Record<string, unknown> | undefined;
  behaviour: ControllerBehaviour;
  #client: MqttClient | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: ControllerOptions) {
    this.behaviour = options.behaviour ?? {};
  }

  get online(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Connects, subscribes to its commands and configuration, and starts heartbeating. */
  async start(): Promise<void> {
    const { options } = this;
    const client = await mqtt.connectAsync(options.broker, {
      clientId: `${options.username}-${Math.random().toString(36).slice(2, 8)}`,
      username: options.username,
      password: options.password,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    this.#client = client;
    client.on('message', (topic, payload) => void this.#onMessage(topic, payload));
    await client.subscribeAsync([`${options.topicPrefix}/commands`, `${options.topicPrefix}/config`], { qos: 1 });
    await this.heartbeat();
    if (options.heartbeatMs)
      this.#heartbeat = setInterval(() => void this.heartbeat().catch(() => {}), options.heartbeatMs);
  }

  async heartbeat(): Promise<void> {
    await this.#client?.publishAsync(
      `${this.options.topicPrefix}/heartbeat`,
      JSON.stringify({
        firmware_version: this.options.firmware ?? '1.0.0',
        uptime_seconds: Math.round(process.uptime()),
        signal_strength: -60,
        heap_free: 80_000,
      }),
      { qos: 1 },
    );
  }

  /** Drops off the network (no goodbye), as a device losing power or Wi-Fi. */
  async goOffline(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    await this.#client?.endAsync(true);
    this.#client = undefined;
  }

  /** Resolves when the broker closes the connection (credentials revoked). */
  disconnected(): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return Promise.resolve();
    return new Promise((resolve) => client.once('close', () => resolve()));
  }

  async stop(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.#client?.endAsync();
    this.#client = undefined;
  }

  async #onMessage(topic: string, payload: Buffer): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (topic.endsWith('/config')) {
      this.config = body as Record<string, unknown>;
      return;
    }
    const command = body as ReceivedCommand;
    this.received.push(command);
    if (this.executed.has(command.command_id)) {
      // Seen before: run nothing, say again how it ended.
      await this.#ack(command.command_id, this.behaviour.fail ? 'failed' : 'completed');
      return;
    }
    this.executed.set(command.command_id, 1);
    if (this.behaviour.fail) {
      await this.#ack(command.command_id, 'failed', 'relay stuck');
      return;
    }
    await this.#ack(command.command_id, 'executing');
    const wait = command.duration_ms ?? this.behaviour.slowMs ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 60_000)));
    this.#apply(command);
    this.options.onCommand?.(command, { ...this.state });
    await this.#ack(command.command_id, 'completed');
  }

  #apply(command: ReceivedCommand): void {
    const key = command.channel ?? 'main';
    if (command.action === 'toggle') this.state[key] = this.state[key] === 'on' ? 'off' : 'on';
    else this.state[key] = command.value ?? command.action;
  }

  async #ack(commandId: string, status: 'executing' | 'completed' | 'failed', error?: string): Promise<void> {
    if (this.behaviour.silent || !this.#client?.connected) return;
    const key = Object.keys(this.state).length > 0 ? this.state : undefined;
    const message = JSON.stringify({
      command_id: commandId,
      status,
      ...(error ? { error } : {}),
      ...(status === 'completed' && key ? { new_state: key } : {}),
    });
    const times = this.behaviour.repeatAcks ? 2 : 1;
    for (let i = 0; i < times; i++)
      await this.#client.publishAsync(`${this.options.topicPrefix}/commands/ack`, message, { qos: 1 }).catch(() => {});
  }
}
