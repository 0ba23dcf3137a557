import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { farmOf, metaOf } from '../../platform/http/context.js';
import { FarmParams } from '../../platform/http/schemas.js';
import { idempotentAnswers, idempotentStatus } from '../../platform/idempotency.js';
import {
  DiseasePage,
  DiseasePatchBody,
  DiseaseQuery,
  DiseaseView,
  IntervalBody,
  ItemParams,
  NewDiseaseBody,
  NewPestBody,
  NewTreatmentBody,
  PestPage,
  PestPatchBody,
  PestQuery,
  PestView,
  TreatmentPage,
  TreatmentPatchBody,
  TreatmentQuery,
  TreatmentView,
} from './protection.schemas.js';
import type { DiseaseAnswer, PestAnswer, ProtectionService, TreatmentAnswer } from './protection.service.js';
import { diseaseView, pestView, treatmentView } from './protection.views.js';

const TAGS = { tags: ['protection'] };
const READ = { ...TAGS, 'x-permission': 'farm.read' as const };
// A farm's own rows and its confirmed intervals are written as the plant catalogue's are: by managers.
const WRITE = { ...TAGS, 'x-permission': 'config.write' as const };

const pestOut = (a: PestAnswer) => pestView(a.row, a.hosts);
const diseaseOut = (a: DiseaseAnswer) => diseaseView(a.row, a.hosts);
const treatmentOut = (a: TreatmentAnswer) => treatmentView(a.row, a.targets, a.confirmation);

/** The plant-protection catalogue: pests, diseases, treatments (Croft's and the farm's own). */
export const protectionRoutes: FastifyPluginAsyncTypebox<{ protection: ProtectionService }> = async (
  app,
  { protection },
) => {
  const base = '/api/v1/farms/:farm';
  const globalNote = 'Croft’s rows are read-only: 403 GLOBAL_ROW_READ_ONLY';

  // Pests

  app.get(
    `${base}/pests`,
    {
      schema: {
        ...READ,
        summary:
          'The pests the farm sees: Croft’s (read-only) and its own, by name; filters q, kind, family (a host ' +
          'family key) and origin',
        params: FarmParams,
        querystring: PestQuery,
        response: { 200: PestPage },
      },
    },
    async (request) => {
      const page = await protection.listPests(farmOf(request), request.query);
      return { data: page.rows.map(pestOut), next_cursor: page.nextCursor };
    },
  );
  app.get(
    `${base}/pests/:id`,
    { schema: { ...READ, summary: 'One pest', params: ItemParams, response: { 200: PestView } } },
    async (request) => pestOut(await protection.pest(farmOf(request), request.params.id)),
  );
  app.post(
    `${base}/pests`,
    {
      schema: {
        ...WRITE,
        summary: 'Add a pest of the farm’s own (client-made id); its name is unique in the farm (409)',
        params: FarmParams,
        body: NewPestBody,
        response: { 201: PestView, ...idempotentAnswers(PestView) },
      },
    },
    async (request, reply) => {
      const { created, ...answer } = await protection.createPest(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(pestOut(answer));
    },
  );
  app.patch(
    `${base}/pests/:id`,
    {
      schema: {
        ...WRITE,
        summary: `Change a pest of the farm’s own (${globalNote})`,
        params: ItemParams,
        body: PestPatchBody,
        response: { 200: PestView },
      },
    },
    async (request) =>
      pestOut(await protection.updatePest(farmOf(request), request.params.id, request.body, metaOf(request))),
  );
  app.delete(
    `${base}/pests/:id`,
    {
      schema: {
        ...WRITE,
        summary: `Delete a pest of the farm’s own; treatments stop naming it (${globalNote})`,
        params: ItemParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await protection.remove(farmOf(request), 'pest', request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  // Diseases

  app.get(
    `${base}/diseases`,
    {
      schema: {
        ...READ,
        summary:
          'The diseases and disorders the farm sees: Croft’s (read-only) and its own, by name; filters q, kind, ' +
          'family and origin',
        params: FarmParams,
        querystring: DiseaseQuery,
        response: { 200: DiseasePage },
      },
    },
    async (request) => {
      const page = await protection.listDiseases(farmOf(request), request.query);
      return { data: page.rows.map(diseaseOut), next_cursor: page.nextCursor };
    },
  );
  app.get(
    `${base}/diseases/:id`,
    { schema: { ...READ, summary: 'One disease', params: ItemParams, response: { 200: DiseaseView } } },
    async (request) => diseaseOut(await protection.disease(farmOf(request), request.params.id)),
  );
  app.post(
    `${base}/diseases`,
    {
      schema: {
        ...WRITE,
        summary: 'Add a disease of the farm’s own (client-made id): a pathogen unless physiological; name unique (409)',
        params: FarmParams,
        body: NewDiseaseBody,
        response: { 201: DiseaseView, ...idempotentAnswers(DiseaseView) },
      },
    },
    async (request, reply) => {
      const { created, ...answer } = await protection.createDisease(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(diseaseOut(answer));
    },
  );
  app.patch(
    `${base}/diseases/:id`,
    {
      schema: {
        ...WRITE,
        summary: `Change a disease of the farm’s own (${globalNote})`,
        params: ItemParams,
        body: DiseasePatchBody,
        response: { 200: DiseaseView },
      },
    },
    async (request) =>
      diseaseOut(await protection.updateDisease(farmOf(request), request.params.id, request.body, metaOf(request))),
  );
  app.delete(
    `${base}/diseases/:id`,
    {
      schema: {
        ...WRITE,
        summary: `Delete a disease of the farm’s own; treatments stop naming it (${globalNote})`,
        params: ItemParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await protection.remove(farmOf(request), 'disease', request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  // Treatments

  app.get(
    `${base}/treatments`,
    {
      schema: {
        ...READ,
        summary:
          'The treatments the farm sees: Croft’s (read-only) and its own, by name, each with its pre-harvest ' +
          'interval as the farm sees it (typical — check the label — until the farm confirms it); filters q ' +
          '(name or active ingredient), method, pest and disease (id or key), family and origin',
        params: FarmParams,
        querystring: TreatmentQuery,
        response: { 200: TreatmentPage },
      },
    },
    async (request) => {
      const page = await protection.listTreatments(farmOf(request), request.query);
      return { data: page.rows.map(treatmentOut), next_cursor: page.nextCursor };
    },
  );
  app.get(
    `${base}/treatments/:id`,
    {
      schema: {
        ...READ,
        summary: 'One treatment, with the interval as the farm sees it',
        params: ItemParams,
        response: { 200: TreatmentView },
      },
    },
    async (request) => treatmentOut(await protection.treatment(farmOf(request), request.params.id)),
  );
  app.post(
    `${base}/treatments`,
    {
      schema: {
        ...WRITE,
        summary:
          'Add a treatment of the farm’s own (client-made id), acting against at least one pest or disease the ' +
          'farm sees (404 otherwise). A chemical one names its active ingredient, its IRAC/FRAC/HRAC group and ' +
          'an interval > 0 days (400); the interval is typical unless stated confirmed',
        params: FarmParams,
        body: NewTreatmentBody,
        response: { 201: TreatmentView, ...idempotentAnswers(TreatmentView) },
      },
    },
    async (request, reply) => {
      const { created, ...answer } = await protection.createTreatment(farmOf(request), request.body, metaOf(request));
      return reply.code(idempotentStatus(created, 201)).send(treatmentOut(answer));
    },
  );
  app.patch(
    `${base}/treatments/:id`,
    {
      schema: {
        ...WRITE,
        summary:
          `Change a treatment of the farm’s own (${globalNote}); new interval days are typical again unless ` +
          'interval_status says confirmed',
        params: ItemParams,
        body: TreatmentPatchBody,
        response: { 200: TreatmentView },
      },
    },
    async (request) =>
      treatmentOut(await protection.updateTreatment(farmOf(request), request.params.id, request.body, metaOf(request))),
  );
  app.delete(
    `${base}/treatments/:id`,
    {
      schema: {
        ...WRITE,
        summary: `Delete a treatment of the farm’s own (${globalNote})`,
        params: ItemParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await protection.remove(farmOf(request), 'treatment', request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );
  app.put(
    `${base}/treatments/:id/interval`,
    {
      schema: {
        ...WRITE,
        summary:
          'Confirm (or correct) a treatment’s pre-harvest interval from the label of the product the farm uses: ' +
          'for Croft’s treatments the farm’s own confirmed days, kept beside the typical; on the farm’s own the ' +
          'row itself. Applications use only a confirmed interval',
        params: ItemParams,
        body: IntervalBody,
        response: { 200: TreatmentView },
      },
    },
    async (request) =>
      treatmentOut(await protection.confirmInterval(farmOf(request), request.params.id, request.body, metaOf(request))),
  );
};
