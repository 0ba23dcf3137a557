import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FarmParams } from '../../platform/http/schemas.js';
import { callerOf, farmOf, metaOf } from '../../platform/http/context.js';
import { unauthenticated } from '../../platform/errors.js';
import {
  AlertPage,
  AlertsQuerystring,
  AlertView,
  IdParams,
  InboxPage,
  InboxQuerystring,
  MuteBody,
  NewRuleBody,
  NewSubscriptionBody,
  NotificationParams,
  RulePatchBody,
  RuleView,
  SubscriptionParams,
  SubscriptionView,
} from './alerts.schemas.js';
import { alertPageView, alertView, inboxView, newRuleView, ruleView, subscriptionView } from './alerts.views.js';
import type { AlertsService } from './alerts.service.js';
import type { NotificationsService } from './notifications.service.js';

const TAGS = { tags: ['alerts'] };

type Deps = { alerts: AlertsService; notifications: NotificationsService };

export const alertsRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  const { alerts, notifications } = deps;

  app.post(
    '/api/v1/farms/:farm/alert-rules',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Create an alert rule (a rule on a metric nothing has sent yet is kept, with a warning)',
        params: FarmParams,
        body: NewRuleBody,
        response: { 201: RuleView },
      },
    },
    async (request, reply) => {
      const ctx = farmOf(request);
      const { rule, warnings } = await alerts.createRule(ctx, request.body, metaOf(request));
      const now = await alerts.followedNow(ctx, [rule]);
      return reply.code(201).send(newRuleView(rule, warnings, now.get(rule.id)));
    },
  );

  app.get(
    '/api/v1/farms/:farm/alert-rules',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: "The farm's alert rules",
        params: FarmParams,
        response: { 200: Type.Object({ data: Type.Array(RuleView) }) },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      const rules = await alerts.rules(ctx);
      const now = await alerts.followedNow(ctx, rules);
      return { data: rules.map((r) => ruleView(r, now.get(r.id))) };
    },
  );

  app.patch(
    '/api/v1/farms/:farm/alert-rules/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Change an alert rule',
        params: IdParams,
        body: RulePatchBody,
        response: { 200: RuleView },
      },
    },
    async (request) => {
      const ctx = farmOf(request);
      const rule = await alerts.updateRule(ctx, request.params.id, request.body, metaOf(request));
      return ruleView(rule, (await alerts.followedNow(ctx, [rule])).get(rule.id));
    },
  );

  app.delete(
    '/api/v1/farms/:farm/alert-rules/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'config.write',
        summary: 'Delete an alert rule with its alerts',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await alerts.removeRule(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/alerts',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Alerts, newest first (active: not yet resolved)',
        params: FarmParams,
        querystring: AlertsQuerystring,
        response: { 200: AlertPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      return alertPageView(await alerts.list(farmOf(request), { ...request.query, limit }), limit);
    },
  );

  for (const [verb, change] of [
    ['acknowledge', 'acknowledge'],
    ['resolve', 'resolve'],
  ] as const) {
    app.post(
      `/api/v1/farms/:farm/alerts/:id/${verb}`,
      {
        schema: {
          ...TAGS,
          'x-permission': 'records.write',
          summary: verb === 'acknowledge' ? 'Acknowledge an alert' : 'Resolve an alert by hand',
          params: IdParams,
          response: { 200: AlertView },
        },
      },
      async (request) => alertView(await alerts[change](farmOf(request), request.params.id, metaOf(request))),
    );
  }

  // The signed-in person's own notifications, across their farms.
  const me = (request: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(request);
    if (caller.kind !== 'user') {
      throw unauthenticated('Notifications belong to a signed-in person', { reason: 'not_a_user' });
    }
    return caller.userId;
  };
  const NTAGS = { tags: ['notifications'] };

  app.get(
    '/api/v1/notifications',
    {
      schema: {
        ...NTAGS,
        summary: 'My inbox across my farms, newest first, with the unread count',
        querystring: InboxQuerystring,
        response: { 200: InboxPage },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      return inboxView(await notifications.inbox(me(request), { ...request.query, limit }), limit);
    },
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      schema: {
        ...NTAGS,
        summary: 'Mark a notification read ("all" marks every one)',
        params: NotificationParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await notifications.markRead(me(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/notification-subscriptions',
    {
      schema: {
        ...NTAGS,
        summary: 'Subscribe to alerts: type or minimum severity, channel, quiet hours (only critical passes then)',
        body: NewSubscriptionBody,
        response: { 201: SubscriptionView },
      },
    },
    async (request, reply) => {
      const subscription = await notifications.subscribe(me(request), request.body);
      return reply.code(201).send(subscriptionView(subscription));
    },
  );

  app.get(
    '/api/v1/notification-subscriptions',
    {
      schema: {
        ...NTAGS,
        summary: 'My subscriptions',
        response: { 200: Type.Object({ data: Type.Array(SubscriptionView) }) },
      },
    },
    async (request) => ({ data: (await notifications.subscriptions(me(request))).map(subscriptionView) }),
  );

  app.post(
    '/api/v1/notification-subscriptions/:id/mute',
    {
      schema: {
        ...NTAGS,
        summary: 'Mute a subscription for 1, 4 or 24 hours (0 unmutes)',
        params: SubscriptionParams,
        body: MuteBody,
        response: { 200: SubscriptionView },
      },
    },
    async (request) => subscriptionView(await notifications.mute(me(request), request.params.id, request.body.hours)),
  );

  app.delete(
    '/api/v1/notification-subscriptions/:id',
    {
      schema: { ...NTAGS, summary: 'Unsubscribe', params: SubscriptionParams, response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      await notifications.unsubscribe(me(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
