import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  ClonePlanBody,
  NewPlanBody,
  PlanPage,
  PlanParams,
  PlanPatchBody,
  PlanQuery,
  PlanReportView,
  PlanView,
  PlanWeekParams,
  PlanWeekView,
} from './plans.schemas.js';
import type { PlansService } from './plans.service.js';
import { entryView, planReportView, planSummaryView, planView } from './plans.views.js';

const TAGS = { tags: ['nutrients'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };

/** Nutrient plans: phase entries by week and channel, their validation, clones and what a week says. */
export const plansRoutes: FastifyPluginAsyncTypebox<{ nutrientPlans: PlansService }> = async (
  app,
  { nutrientPlans: plans },
) => {
  const base = '/api/v1/farms/:farm/nutrient-plans';

  app.get(
    base,
    {
      schema: {
        ...READ,
        summary: 'The farm’s nutrient plans by name, each with its entry count, weeks and lineage (cloned_from_id)',
        params: FarmParams,
        querystring: PlanQuery,
        response: { 200: PlanPage },
      },
    },
    async (request) => {
      const page = await plans.list(farmOf(request), request.query);
      return { data: page.rows.map(planSummaryView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    `${base}/:id`,
    {
      schema: {
        ...READ,
        summary: 'One nutrient plan with its entries',
        params: PlanParams,
        response: { 200: PlanView },
      },
    },
    async (request) => planView(await plans.one(farmOf(request), request.params.id)),
  );

  app.post(
    base,
    {
      schema: {
        ...WRITE,
        summary:
          'Add a nutrient plan (client-made id): entries of a catalogue phase over weeks 1–52 (end not before ' +
          'start), per channel target EC/pH and dosages; a product that is not tank-safe never in fertigation (400)',
        params: FarmParams,
        body: NewPlanBody,
        response: { 201: PlanView, ...idempotentAnswers(PlanView) },
      },
    },
    async (request, reply) => {
      const { created, ...plan } = await plans.create(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(planView(plan));
    },
  );

  app.patch(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary: 'Change a nutrient plan; `entries`, when given, replace all of its entries',
        params: PlanParams,
        body: PlanPatchBody,
        response: { 200: PlanView },
      },
    },
    async (request) => planView(await plans.update(farmOf(request), request.params.id, request.body, metaOf(request))),
  );

  app.delete(
    `${base}/:id`,
    {
      schema: {
        ...WRITE,
        summary: 'Delete a nutrient plan (409 IN_USE while a planting run follows it; its clones keep their copy)',
        params: PlanParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await plans.remove(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    `${base}/:id/clone`,
    {
      schema: {
        ...WRITE,
        summary: 'Copy a plan under a new name (client-made id); the copy names its source in cloned_from_id',
        params: PlanParams,
        body: ClonePlanBody,
        response: { 201: PlanView, ...idempotentAnswers(PlanView) },
      },
    },
    async (request, reply) => {
      const { created, ...plan } = await plans.clone(farmOf(request), request.params.id, request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(planView(plan));
    },
  );

  app.get(
    `${base}/:id/validate`,
    {
      schema: {
        ...READ,
        summary:
          'Check a plan’s weeks per channel: the first entry starts at week 1 and each next one at the previous ' +
          'end + 1; every gap, shared week and late start is listed with its weeks',
        params: PlanParams,
        response: { 200: PlanReportView },
      },
    },
    async (request) => planReportView(request.params.id, await plans.validate(farmOf(request), request.params.id)),
  );

  app.get(
    `${base}/:id/weeks/:week`,
    {
      schema: {
        ...READ,
        summary: 'What a plan says for one week (1–52): the entries whose weeks hold it',
        params: PlanWeekParams,
        response: { 200: PlanWeekView },
      },
    },
    async (request) => ({
      plan_id: request.params.id,
      week: request.params.week,
      entries: (await plans.week(farmOf(request), request.params.id, request.params.week)).map(entryView),
    }),
  );
};
