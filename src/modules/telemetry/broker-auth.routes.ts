import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../../platform/errors.js';
import { sameSecret } from '../../platform/secrets.js';
import { mayPublish, maySubscribe, type MqttIdentity } from './mqtt.engine.js';
import type { DevicesService } from '../devices/index.js';
import type { Config } from '../../platform/config.js';
import {
  BrokerLoginBody,
  EmqxAuthenticateView,
  EmqxAuthorizeBody,
  EmqxAuthorizeView,
  GoAuthAclBody,
  GoAuthAnswer,
  GoAuthSuperuserBody,
} from './telemetry.schemas.js';

const TAGS = { tags: ['mqtt broker'] };

/**
 * The HTTP endpoints an external broker calls so that it enforces Croft's device credentials and
 * topic rules: EMQX's HTTP authentication and authorization, and mosquitto-go-auth's HTTP backend
 * (JSON parameters). Croft's own client (the user in MQTT_URL) is the broker's superuser.
 */
export const brokerAuthRoutes: FastifyPluginAsyncTypebox<{ devices: DevicesService; config: Config }> = async (
  app,
  deps,
) => {
  const { devices } = deps;
  const service = deps.config.mqttUrl ? new URL(deps.config.mqttUrl) : undefined;
  const serviceUser = service?.username ? decodeURIComponent(service.username) : undefined;
  const servicePassword = service ? decodeURIComponent(service.password) : '';

  const guard = async (request: FastifyRequest) => {
    const token = deps.config.brokerAuthToken;
    if (token === undefined) return;
    const given = request.headers['x-broker-token'];
    if (typeof given !== 'string' || !sameSecret(given, token))
      throw unauthenticated('The broker must send the header "X-Broker-Token: <CROFT_BROKER_AUTH_TOKEN>"');
  };
  const limits = { rateLimit: { max: 6000, timeWindow: '1 minute' } };

  const isService = (username: string | undefined) => serviceUser !== undefined && username === serviceUser;
  const identify = async (
    username: string | undefined,
    password?: string,
  ): Promise<MqttIdentity | 'service' | undefined> => {
    if (!username) return undefined;
    if (isService(username))
      return password === undefined || sameSecret(password, servicePassword) ? 'service' : undefined;
    if (password !== undefined) {
      const device = await devices.authenticate(username, password);
      return (
        device && { farmId: device.farmId, farmRefs: new Set([device.farmId, device.farmSlug]), device: device.label }
      );
    }
    const device = await devices.byUsername(username);
    return (
      device && { farmId: device.farmId, farmRefs: new Set([device.farmId, device.farmSlug]), device: device.label }
    );
  };
  const allowed = async (username: string, topic: string, action: 'publish' | 'subscribe') => {
    const who = await identify(username);
    if (who === 'service') return true;
    if (!who) return false;
    return action === 'publish' ? mayPublish(who, topic) : maySubscribe(who, topic);
  };

  // EMQX: HTTP authentication and authorization (configure the body as below; the answer is always 200).
  app.post(
    '/api/v1/broker/emqx/authenticate',
    {
      config: limits,
      preValidation: guard,
      schema: {
        ...TAGS,
        security: [],
        summary: 'EMQX HTTP authentication: body {"username":"${username}","password":"${password}"}',
        body: BrokerLoginBody,
        response: { 200: EmqxAuthenticateView },
      },
    },
    async (request) => {
      const who = await identify(request.body.username, request.body.password);
      return { result: who ? ('allow' as const) : ('deny' as const), is_superuser: who === 'service' };
    },
  );

  app.post(
    '/api/v1/broker/emqx/authorize',
    {
      config: limits,
      preValidation: guard,
      schema: {
        ...TAGS,
        security: [],
        summary: 'EMQX HTTP authorization: body {"username":"${username}","topic":"${topic}","action":"${action}"}',
        body: EmqxAuthorizeBody,
        response: { 200: EmqxAuthorizeView },
      },
    },
    async (request) => {
      const { username, topic, action } = request.body;
      const ok =
        action === 'all'
          ? (await allowed(username, topic, 'publish')) && (await allowed(username, topic, 'subscribe'))
          : await allowed(username, topic, action);
      return { result: ok ? ('allow' as const) : ('deny' as const) };
    },
  );

  // mosquitto-go-auth: HTTP backend with auth_opt_http_params_mode json; 200 allows, 403 refuses.
  const answer = (reply: { code(n: number): unknown }, ok: boolean) => {
    reply.code(ok ? 200 : 403);
    return { ok, error: ok ? '' : 'refused' };
  };

  app.post(
    '/api/v1/broker/go-auth/user',
    {
      config: limits,
      preValidation: guard,
      schema: {
        ...TAGS,
        security: [],
        summary: 'mosquitto-go-auth: may this username and password connect?',
        body: BrokerLoginBody,
        response: { 200: GoAuthAnswer, 403: GoAuthAnswer },
      },
    },
    async (request, reply) =>
      answer(reply, (await identify(request.body.username, request.body.password)) !== undefined),
  );

  app.post(
    '/api/v1/broker/go-auth/superuser',
    {
      config: limits,
      preValidation: guard,
      schema: {
        ...TAGS,
        security: [],
        summary: "mosquitto-go-auth: is this Croft's own client?",
        body: GoAuthSuperuserBody,
        response: { 200: GoAuthAnswer, 403: GoAuthAnswer },
      },
    },
    async (request, reply) => answer(reply, isService(request.body.username)),
  );

  app.post(
    '/api/v1/broker/go-auth/acl',
    {
      config: limits,
      preValidation: guard,
      schema: {
        ...TAGS,
        security: [],
        summary: 'mosquitto-go-auth: may this client use this topic? acc: 1 read, 2 write, 3 both, 4 subscribe',
        body: GoAuthAclBody,
        response: { 200: GoAuthAnswer, 403: GoAuthAnswer },
      },
    },
    async (request, reply) => {
      const { username, topic, acc } = request.body;
      const read = acc === 1 || acc === 3 || acc === 4;
      const write = acc === 2 || acc === 3;
      const ok =
        (!read || (await allowed(username, topic, 'subscribe'))) &&
        (!write || (await allowed(username, topic, 'publish')));
      return answer(reply, ok);
    },
  );
};
