import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createWebSocketStream } from 'ws';
import type { MqttState } from '../../platform/mqtt/link.js';

/** The WebSocket close code for "try again later" (RFC 6455 registry: 1013). */
const TRY_AGAIN_LATER = 1013;

/**
 * MQTT over WebSocket at `/mqtt` on the HTTP port, for gateways that reach Croft only through an
 * HTTP proxy: each socket is one MQTT connection served by the embedded broker like its TCP and TLS
 * listeners (limits, authentication, ACL, acknowledge-after-commit). Its address is the request's
 * (CROFT_TRUST_PROXY decides whether a proxy's X-Forwarded-For is believed).
 */
export const mqttWebSocketRoutes: FastifyPluginAsyncTypebox<{ mqtt: MqttState }> = async (app, deps) => {
  app.get(
    '/mqtt',
    {
      schema: {
        hide: true,
        summary: 'MQTT over WebSocket (subprotocol "mqtt")',
        response: { 101: Type.Null() },
      },
      websocket: true,
    },
    (socket, request) => {
      const broker = deps.mqtt.broker;
      if (!broker || deps.mqtt.status.state !== 'running') {
        socket.close(TRY_AGAIN_LATER, 'No MQTT broker runs in this Croft');
        return;
      }
      broker.accept(createWebSocketStream(socket), request.ip);
    },
  );
};
