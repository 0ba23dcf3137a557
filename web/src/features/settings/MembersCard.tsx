import { Badge, Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { can, ROLES, type Role } from '../../api/generated/permissions';
import { useUser } from '../../api/session';
import { ErrorNotice, Loading } from '../../components/states';
import type { Farm } from '../farms/api';
import { useMemberActions, useMembers } from './api';

/** Who is on the farm and with which role; admins change roles, managers remove people below admin. */
export function MembersCard({ farm }: { farm: Farm }) {
  const { t } = useTranslation();
  const me = useUser();
  const members = useMembers(farm.slug);
  const { changeRole, remove } = useMemberActions(farm.slug);
  const canChangeRoles = can(farm.role, 'members.change_role');
  const canRemove = can(farm.role, 'members.manage');
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="sm">
        {t('settings.members')}
      </Title>
      {members.isPending && <Loading />}
      <ErrorNotice error={members.error ?? changeRole.error ?? remove.error} />
      <Stack gap="xs">
        {members.data?.map((m) => (
          <Group key={m.user_id} justify="space-between" wrap="wrap" gap="xs" data-testid={`member-${m.email}`}>
            <div style={{ minWidth: 0 }}>
              <Text fw={600} truncate>
                {m.name}
                {m.user_id === me.id ? ` (${t('settings.you')})` : ''}
              </Text>
              <Text size="sm" c="dimmed" truncate>
                {m.email}
              </Text>
            </div>
            <Group gap="xs" wrap="nowrap">
              {canChangeRoles && m.user_id !== me.id ? (
                <Select
                  aria-label={t('settings.roleOf', { name: m.name })}
                  data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                  value={m.role}
                  allowDeselect={false}
                  size="md"
                  w={140}
                  onChange={(role) => role && changeRole.mutate({ userId: m.user_id, role: role as Role })}
                />
              ) : (
                <Badge variant="light">{t(`roles.${m.role}`)}</Badge>
              )}
              {canRemove && m.user_id !== me.id && (m.role !== 'admin' || canChangeRoles) && (
                <Button size="md" variant="subtle" color="red" onClick={() => remove.mutate(m.user_id)}>
                  {t('settings.remove')}
                </Button>
              )}
            </Group>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
