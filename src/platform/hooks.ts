import type { Logger } from './logger.js';

/**
 * What one module announces and others react to (readings arrived, a device came online, a command
 * finished …). Each module adds the events it announces by declaration merging, beside the code that
 * announces them:
 *
 *   declare module '../../platform/hooks.js' {
 *     interface HookEvents { 'telemetry.readings-arrived': { farmId: string; metrics: ReadonlySet<string> } }
 *   }
 *
 * and a module that reacts lists the events in its module object's `subscriptions`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface HookEvents {}

export type HookName = keyof HookEvents;
export type HookListener<K extends HookName> = (event: HookEvents[K]) => void | Promise<void>;

/**
 * The hooks of one process. A listener runs after the announcing work has committed, never inside
 * it: its failure is logged under the event's name and never undoes or delays the announcer.
 */
export class Hooks {
  readonly #listeners = new Map<HookName, Array<HookListener<never>>>();

  constructor(private readonly log: Logger) {}

  on<K extends HookName>(name: K, listener: HookListener<K>): void {
    const list = this.#listeners.get(name) ?? [];
    list.push(listener as HookListener<never>);
    this.#listeners.set(name, list);
  }

  /** Whether anyone listens (so an announcer may skip preparing the event). */
  has(name: HookName): boolean {
    return (this.#listeners.get(name)?.length ?? 0) > 0;
  }

  emit<K extends HookName>(name: K, event: HookEvents[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        const result = (listener as HookListener<K>)(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#failed(name, error));
      } catch (error) {
        this.#failed(name, error);
      }
    }
  }

  #failed(name: HookName, error: unknown): void {
    this.log.error({ err: error, hook: name }, `a listener of ${name} failed`);
  }
}
