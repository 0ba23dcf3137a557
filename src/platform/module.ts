import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { HookEvents, HookListener, HookName, Hooks } from './hooks.js';
import type { JobRegistry } from './jobs/registry.js';
import type { JobRunner } from './jobs/runner.js';
import type { LiveBus } from './live/bus.js';
import type { LiveEvents } from './live/events.js';
import type { Logger } from './logger.js';
import type { DeviceLink, MqttState } from './mqtt/link.js';
import type { Targets } from './targets.js';

/** What the platform gives every module, made before any module. */
export interface ModuleBase {
  config: Config;
  db: Database;
  clock: Clock;
  log: Logger;
  /** Sends background jobs (each module defines its own in `<module>.jobs.ts`). */
  jobs: JobRunner;
  /** Puts events on the live hub. */
  live: LiveEvents;
  /** The live hub's bus itself (memory in one process, Redis across several). */
  bus: LiveBus;
  /** Announces what happened to the modules that subscribe. */
  hooks: Hooks;
  /** Reaches devices over MQTT. */
  link: DeviceLink;
  /** MQTT as this process runs it (written as it starts): the embedded broker, an external one's client. */
  mqtt: MqttState;
  /** A place's climate targets from its crop's phase (provided by crops; asked by alerts and schedules). */
  targets: Targets;
}

/** What a module does when another module announces something. */
export type Subscriptions = { [K in HookName]?: (event: HookEvents[K]) => void | Promise<void> };

/**
 * A domain module as the platform sees it, declared once in the module's `index.ts`:
 *
 * - `create` makes its services from what it needs — the platform's parts and earlier modules'
 *   services, named in the type of its argument (a missing one is a type error in `modules/index.ts`);
 * - `routes`, a Fastify plugin typed by what its handlers use;
 * - `jobs`, defined in `<module>.jobs.ts` beside their handlers;
 * - `subscriptions`, its reactions to other modules' hooks;
 * - `start`, work before serving (keys loaded …).
 */
export interface CroftModule<
  Needs extends object = object,
  Provides extends object = object,
  Name extends string = string,
> {
  readonly name: Name;
  create(deps: Needs): Provides;
  routes?: FastifyPluginAsyncTypebox<Needs & Provides>;
  jobs?(registry: JobRegistry, deps: Needs & Provides): void;
  subscriptions?(deps: Needs & Provides): Subscriptions;
  start?(deps: Needs & Provides): Promise<void>;
}

/** Declares a module; the types of what it needs and provides come from its `create`. */
export const defineModule = <Needs extends object, Provides extends object, const Name extends string>(
  module: CroftModule<Needs, Provides, Name>,
) => module;

type NeedsOf<M> = M extends CroftModule<infer N, infer _P, string> ? N : never;
type ProvidesOf<M> = M extends CroftModule<infer _N, infer P, string> ? P : never;
type NameOf<M> = M extends { name: infer N } ? N : never;

/**
 * What a list of modules adds up to, in order: each module may need only what the platform and the
 * modules before it provide. A module that needs more turns the result into a type naming the module
 * and what it misses, which the order check in `modules/index.ts` shows in its error.
 */
export type Assembled<Modules extends readonly unknown[], Have> = Modules extends readonly [infer First, ...infer Rest]
  ? Have extends NeedsOf<First>
    ? Assembled<Rest, Have & ProvidesOf<First>>
    : { module: NameOf<First>; needs_what_no_earlier_module_provides: Exclude<keyof NeedsOf<First>, keyof Have> }
  : Have;

// A module of any needs: `create` is called with everything made so far, which the order check vouches for.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the list is heterogeneous; Assembled checks it
export type AnyModule = CroftModule<any, any, string>;

/**
 * Makes every module's services in list order, then wires the subscriptions, and returns the whole
 * set (the platform's parts included).
 */
export function assembleModules<Base extends ModuleBase>(modules: readonly AnyModule[], base: Base): Base & object {
  const made: Record<string, unknown> = { ...(base as object) };
  for (const module of modules) {
    const provided = module.create(made);
    for (const key of Object.keys(provided)) {
      if (key in made) throw new Error(`Module ${module.name} provides "${key}", which another part already provides`);
    }
    Object.assign(made, provided);
  }
  for (const module of modules) {
    const subscriptions = module.subscriptions?.(made) ?? {};
    for (const [name, listener] of Object.entries(subscriptions)) {
      base.hooks.on(name as HookName, listener as HookListener<HookName>);
    }
  }
  return made as Base;
}
