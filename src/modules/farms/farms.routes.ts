import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf, farmOf, metaOf } from '../../platform/http/context.js';
import { RoleSchema, Uuid } from '../../platform/http/schemas.js';
import { farmView, invitationView, memberView } from './farms.views.js';
import { FarmParams } from '../../platform/http/schemas.js';
import {
  FarmPatchBody,
  FarmView,
  InvitationView,
  MemberParams,
  MemberView,
  NewFarmBody,
  NewInvitationBody,
} from './farms.schemas.js';
import type { FarmsService } from './farms.service.js';

const TAGS = { tags: ['farms'] };

export const farmsRoutes: FastifyPluginAsyncTypebox<{ farms: FarmsService }> = async (app, deps) => {
  const { farms } = deps;

  app.get(
    '/api/v1/farms',
    {
      schema: {
        ...TAGS,
        summary: 'The farms you belong to, with your role in each',
        response: { 200: Type.Object({ data: Type.Array(FarmView) }) },
      },
    },
    async (request) => ({ data: (await farms.listMine(callerOf(request))).map((f) => farmView(f, f.role)) }),
  );

  app.post(
    '/api/v1/farms',
    {
      schema: {
        ...TAGS,
        summary: 'Create a farm; you become its admin',
        body: NewFarmBody,
        response: { 201: FarmView },
      },
    },
    async (request, reply) => {
      const farm = await farms.create(callerOf(request), request.body, metaOf(request));
      return reply.code(201).send(farmView(farm, farm.role));
    },
  );

  app.get(
    '/api/v1/farms/:farm',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'One farm (by id or slug)',
        params: FarmParams,
        response: { 200: FarmView },
      },
    },
    async (request) => {
      const farm = await farms.get(farmOf(request));
      return farmView(farm, farm.role);
    },
  );

  app.patch(
    '/api/v1/farms/:farm',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.update',
        summary: 'Change name, time zone, position or description',
        params: FarmParams,
        body: FarmPatchBody,
        response: { 200: FarmView },
      },
    },
    async (request) => {
      const farm = await farms.update(farmOf(request), request.body, metaOf(request));
      return farmView(farm, farm.role);
    },
  );

  app.delete(
    '/api/v1/farms/:farm',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.delete',
        summary: 'Delete the farm (purged for good after CROFT_FARM_PURGE_DAYS)',
        params: FarmParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await farms.remove(farmOf(request), metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/members',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.read',
        summary: 'Members and their roles',
        params: FarmParams,
        response: { 200: Type.Object({ data: Type.Array(MemberView) }) },
      },
    },
    async (request) => ({ data: (await farms.listMembers(farmOf(request))).map(memberView) }),
  );

  app.patch(
    '/api/v1/farms/:farm/members/:userId',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.change_role',
        summary: "Change a member's role (the last admin stays admin)",
        params: MemberParams,
        body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await farms.changeRole(farmOf(request), request.params.userId, request.body.role, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/farms/:farm/members/:userId',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.manage',
        summary: 'Remove a member (managers: members below admin)',
        params: MemberParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await farms.removeMember(farmOf(request), request.params.userId, metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/farms/:farm/leave',
    {
      schema: {
        ...TAGS,
        'x-permission': 'farm.read',
        summary: 'Leave the farm (the last admin cannot)',
        params: FarmParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await farms.leave(farmOf(request), metaOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/farms/:farm/invitations',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.manage',
        summary: 'Invitations not yet accepted, revoked or expired',
        params: FarmParams,
        response: { 200: Type.Object({ data: Type.Array(InvitationView) }) },
      },
    },
    async (request) => ({ data: (await farms.listInvitations(farmOf(request))).map(invitationView) }),
  );

  app.post(
    '/api/v1/farms/:farm/invitations',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.manage',
        summary: 'Invite someone by email address, or make a link anyone with it can use; the token is shown once',
        params: FarmParams,
        body: NewInvitationBody,
        response: {
          201: Type.Object({ ...InvitationView.properties, token: Type.String(), accept_path: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const { invitation, token } = await farms.invite(farmOf(request), request.body, metaOf(request));
      return reply.code(201).send({ ...invitationView(invitation), token, accept_path: `/invite/${token}` });
    },
  );

  app.delete(
    '/api/v1/farms/:farm/invitations/:id',
    {
      schema: {
        ...TAGS,
        'x-permission': 'members.manage',
        summary: 'Revoke an invitation',
        params: Type.Object({ farm: FarmParams.properties.farm, id: Uuid }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await farms.revokeInvitation(farmOf(request), request.params.id, metaOf(request));
      return reply.code(204).send(null);
    },
  );
};
