import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams, Nullable } from '../../platform/http/schemas.js';
import { callerOf, farmOf, metaOf } from '../../platform/http/context.js';
import { DateTime, Uuid } from '../../platform/http/schemas.js';
import { unauthenticated } from '../../platform/errors.js';
import { alertView } from './alerts.service.js';
import type { RuleRow } from './alerts.repository.js';
import type { AlertsService } from './alerts.service.js';
import type { NotificationsService } from './notifications.service.js';

const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
const Operator = Type.Union([Type.Literal('>'), Type.Literal('>='), Type.Literal('<'), Type.Literal('<='), Type.Literal('outside'), Type.Literal('inside')]);
const Aggregate = Type.Union([Type.Literal('min'), Type.Literal('max'), Type.Literal('avg'), Type.Literal('last'), Type.Literal('change')]);
const Kind = Type.Union([Type.Literal('threshold'), Type.Literal('offline'), Type.Literal('silent'), Type.Literal('schedule_failed'), Type.Literal('low_battery'),
  Type.Literal('swarm')], { description: 'swarm: a hive scale’s weight falls 1–5 kg within window_s (900), not on a day its hive was inspected' });
const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Kind,
  metric: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' })),
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'One device (id or label); absent: every device with the metric' })),
  location: Type.Optional(Type.String({ format: 'uuid', description: 'Every device at this location and below it' })),
  operator: Type.Optional(Operator),
  value: Type.Optional(Type.Union([Type.Number(), Type.Tuple([Type.Number(), Type.Number()])], { description: 'A number, or [low, high] for outside/inside' })),
  aggregate: Type.Optional(Aggregate),
  window_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200, description: 'offline / silent for this long' })),
  severity: Severity,
  exclude_months: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 12 }), { maxItems: 12 })),
  exclude_hours: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 23 }), { maxItems: 24 })),
  clear_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'How long the condition must have cleared before the alert resolves itself (default 60)' })),
  enabled: Type.Optional(Type.Boolean()),
};

const RuleView = Type.Object({
  id: Uuid, name: Type.String(), kind: Kind, metric: Nullable(Type.String()), device_id: Nullable(Uuid), location_id: Nullable(Uuid),
  operator: Nullable(Operator), value: Type.Union([Type.Number(), Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]), aggregate: Nullable(Aggregate),
  window_s: Nullable(Type.Integer()), minutes: Nullable(Type.Integer()), severity: Severity, exclude_months: Type.Array(Type.Integer()),
  exclude_hours: Type.Array(Type.Integer()), clear_s: Type.Integer(), enabled: Type.Boolean(), created_at: DateTime, updated_at: DateTime,
  warnings: Type.Optional(Type.Array(Type.String())),
}, { additionalProperties: false });
const ruleView = (r: RuleRow) => ({
  id: r.id, name: r.name, kind: r.kind, metric: r.metric, device_id: r.device_id, location_id: r.location_id, operator: r.operator,
  value: r.low !== null && r.high !== null ? [r.low, r.high] as [number, number] : r.value, aggregate: r.aggregate, window_s: r.window_s, minutes: r.minutes,
  severity: r.severity, exclude_months: r.exclude_months, exclude_hours: r.exclude_hours, clear_s: r.clear_s, enabled: r.enabled,
  created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
});

const AlertView = Type.Object({
  id: Uuid, rule_id: Uuid, device_id: Nullable(Uuid), type: Type.String(), severity: Severity, message: Type.String(), threshold: Type.Unknown(),
  actual_value: Nullable(Type.Number()), state: Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  triggered_at: DateTime, acknowledged_at: Nullable(DateTime), acknowledged_by: Nullable(Uuid), resolved_at: Nullable(DateTime), resolved_by: Nullable(Uuid),
}, { additionalProperties: false });

const TAGS = { tags: ['alerts'] };
const IdParams = Type.Object({ farm: FarmParams.properties.farm, id: Uuid });

export const alertsRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertsService; notifications: NotificationsService }> = async (app, deps) => {
  const { alerts, notifications } = deps;

  app.post('/api/v1/farms/:farm/alert-rules', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Create an alert rule (a rule on a metric nothing has sent yet is kept, with a warning)',
      params: FarmParams, body: Type.Object(RuleFields, { additionalProperties: false }), response: { 201: RuleView } },
  }, async (request, reply) => {
    const { rule, warnings } = await alerts.createRule(farmOf(request), request.body, metaOf(request));
    return reply.code(201).send({ ...ruleView(rule), ...(warnings.length > 0 ? { warnings } : {}) });
  });

  app.get('/api/v1/farms/:farm/alert-rules', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: "The farm's alert rules", params: FarmParams, response: { 200: Type.Object({ data: Type.Array(RuleView) }) } },
  }, async (request) => ({ data: (await alerts.rules(farmOf(request))).map(ruleView) }));

  app.patch('/api/v1/farms/:farm/alert-rules/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Change an alert rule', params: IdParams,
      body: Type.Partial(Type.Object(RuleFields, { additionalProperties: false })), response: { 200: RuleView } },
  }, async (request) => ruleView(await alerts.updateRule(farmOf(request), request.params.id, request.body, metaOf(request))));

  app.delete('/api/v1/farms/:farm/alert-rules/:id', {
    schema: { ...TAGS, 'x-permission': 'config.write', summary: 'Delete an alert rule with its alerts', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await alerts.removeRule(farmOf(request), request.params.id, metaOf(request));
    return reply.code(204).send(null);
  });

  app.get('/api/v1/farms/:farm/alerts', {
    schema: { ...TAGS, 'x-permission': 'farm.read', summary: 'Alerts, newest first (active: not yet resolved)', params: FarmParams,
      querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ format: 'date-time' })) }),
      response: { 200: Type.Object({ data: Type.Array(AlertView), next_cursor: Nullable(Type.String()) }) } },
  }, async (request) => {
    const limit = request.query.limit ?? 50;
    const rows = await alerts.list(farmOf(request), request.query.state, request.query.cursor ? new Date(request.query.cursor) : undefined, limit);
    return { data: rows.map(alertView), next_cursor: rows.length === limit ? rows[rows.length - 1]!.triggered_at.toISOString() : null };
  });

  for (const [verb, change] of [['acknowledge', 'acknowledge'], ['resolve', 'resolve']] as const) {
    app.post(`/api/v1/farms/:farm/alerts/:id/${verb}`, {
      schema: { ...TAGS, 'x-permission': 'records.write', summary: verb === 'acknowledge' ? 'Acknowledge an alert' : 'Resolve an alert by hand', params: IdParams,
        response: { 200: AlertView } },
    }, async (request) => alertView(await alerts[change](farmOf(request), request.params.id, metaOf(request))));
  }

  // The signed-in person's own notifications, across their farms.
  const me = (request: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(request);
    if (caller.kind !== 'user') throw unauthenticated('Notifications belong to a signed-in person', { reason: 'not_a_user' });
    return caller.userId;
  };
  const NTAGS = { tags: ['notifications'] };
  const Notification = Type.Object({ id: Uuid, farm_id: Nullable(Uuid), alert_id: Nullable(Uuid), title: Type.String(), message: Type.String(),
    severity: Type.String(), read: Type.Boolean(), created_at: DateTime }, { additionalProperties: false });

  app.get('/api/v1/notifications', {
    schema: { ...NTAGS, summary: 'My inbox across my farms, newest first, with the unread count',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })), cursor: Type.Optional(Type.String({ format: 'date-time' })) }),
      response: { 200: Type.Object({ data: Type.Array(Notification), unread: Type.Integer(), next_cursor: Nullable(Type.String()) }) } },
  }, async (request) => {
    const limit = request.query.limit ?? 50;
    const { data, unread } = await notifications.inbox(me(request), request.query.cursor ? new Date(request.query.cursor) : undefined, limit);
    return { unread, next_cursor: data.length === limit ? data[data.length - 1]!.created_at.toISOString() : null,
      data: data.map((n) => ({ id: n.id, farm_id: n.farm_id, alert_id: n.alert_id, title: n.title, message: n.message, severity: n.severity,
        read: n.read_at !== null, created_at: n.created_at.toISOString() })) };
  });

  app.post('/api/v1/notifications/:id/read', {
    schema: { ...NTAGS, summary: 'Mark a notification read ("all" marks every one)', params: Type.Object({ id: Type.Union([Uuid, Type.Literal('all')]) }),
      response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await notifications.markRead(me(request), request.params.id);
    return reply.code(204).send(null);
  });

  const Subscription = Type.Object({ id: Uuid, farm_id: Nullable(Uuid), alert_type: Nullable(Type.String()), min_severity: Severity,
    channel: Type.String(), target: Nullable(Type.String()), secret: Nullable(Type.String({ description: 'Webhooks: the HMAC-SHA256 key of X-Croft-Signature' })),
    quiet_start: Nullable(Type.String()), quiet_end: Nullable(Type.String()), time_zone: Type.String(), muted_until: Nullable(DateTime) }, { additionalProperties: false });
  type SubRow = Awaited<ReturnType<typeof notifications.subscriptions>>[number];
  const subView = (s: SubRow) => ({ id: s.id, farm_id: s.farm_id, alert_type: s.alert_type, min_severity: s.min_severity, channel: s.channel, target: s.target,
    secret: s.secret, quiet_start: s.quiet_start, quiet_end: s.quiet_end, time_zone: s.time_zone, muted_until: s.muted_until?.toISOString() ?? null });

  app.post('/api/v1/notification-subscriptions', {
    schema: { ...NTAGS, summary: 'Subscribe to alerts: type or minimum severity, channel, quiet hours (only critical passes then)',
      body: Type.Object({ farm: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))), alert_type: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
        min_severity: Type.Optional(Severity), channel: Type.Union([Type.Literal('in_app'), Type.Literal('webhook'), Type.Literal('email')]),
        target: Type.Optional(Type.String({ minLength: 3, maxLength: 2000 })), quiet_start: Type.Optional(Nullable(HHMM)), quiet_end: Type.Optional(Nullable(HHMM)),
        time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
      response: { 201: Subscription } },
  }, async (request, reply) => reply.code(201).send(subView(await notifications.subscribe(me(request), request.body))));

  app.get('/api/v1/notification-subscriptions', {
    schema: { ...NTAGS, summary: 'My subscriptions', response: { 200: Type.Object({ data: Type.Array(Subscription) }) } },
  }, async (request) => ({ data: (await notifications.subscriptions(me(request))).map(subView) }));

  app.post('/api/v1/notification-subscriptions/:id/mute', {
    schema: { ...NTAGS, summary: 'Mute a subscription for 1, 4 or 24 hours (0 unmutes)', params: Type.Object({ id: Uuid }),
      body: Type.Object({ hours: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(4), Type.Literal(24)]) }, { additionalProperties: false }),
      response: { 200: Subscription } },
  }, async (request) => subView(await notifications.mute(me(request), request.params.id, request.body.hours)));

  app.delete('/api/v1/notification-subscriptions/:id', {
    schema: { ...NTAGS, summary: 'Unsubscribe', params: Type.Object({ id: Uuid }), response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await notifications.unsubscribe(me(request), request.params.id);
    return reply.code(204).send(null);
  });
};
