import { Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { can } from '../../api/generated/permissions';
import { useFarm } from '../farms/FarmRoute';
import { ApiKeysCard } from './ApiKeysCard';
import { AuditCard } from './AuditCard';
import { ExportCard } from './ExportCard';
import { FarmCard } from './FarmCard';
import { InvitationsCard } from './InvitationsCard';
import { MembersCard } from './MembersCard';

/** The farm's settings; each part shows only to the roles that may use it. */
export function SettingsPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('settings.title')}
      </Title>
      <FarmCard key={farm.id} farm={farm} canEdit={can(farm.role, 'farm.update')} />
      <MembersCard farm={farm} />
      {can(farm.role, 'members.manage') && <InvitationsCard farm={farm.slug} />}
      {can(farm.role, 'api_keys.manage') && <ApiKeysCard farm={farm.slug} />}
      {can(farm.role, 'audit.read') && <AuditCard farm={farm.slug} />}
      {can(farm.role, 'farm.export') && <ExportCard farm={farm.slug} />}
    </Stack>
  );
}
