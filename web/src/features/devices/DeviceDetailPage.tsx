import { Anchor, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorNotice, Loading } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useDevice } from './api';
import { Commands } from './Commands';
import { OnlineBadge } from './DevicesPage';
import { History } from './History';
import { LiveMetrics } from './LiveMetrics';
import { Settings } from './Settings';
import { can } from '../../api/generated/permissions';

const TABS = ['live', 'history', 'commands', 'settings'] as const;

/** One device: live readings, history, commands and its settings, each a tab (kept in the URL). */
export function DeviceDetailPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { device: label = '' } = useParams();
  const device = useDevice(farm.slug, label);
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((x) => x === params.get('tab')) ?? 'live';
  const canCommand = can(farm.role, 'records.write');
  const canEdit = can(farm.role, 'config.write');

  if (device.isPending) return <Loading />;
  if (!device.data) return <ErrorNotice error={device.error} />;
  const d = device.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} className="touch-link" to={`/farms/${farm.slug}/devices`} size="sm">
        ← {t('devices.title')}
      </Anchor>
      <Group justify="space-between" wrap="nowrap" align="start">
        <div>
          <Title order={1} fz={26}>
            {d.name}
          </Title>
          <Text c="dimmed">
            {d.device_id} ·{' '}
            {d.last_heartbeat_at
              ? t('devices.lastSeen', { when: timeAgo(d.last_heartbeat_at) })
              : t('devices.neverSeen')}
          </Text>
        </div>
        <OnlineBadge device={d} />
      </Group>
      <Tabs
        value={tab}
        onChange={(v) => setParams(v && v !== 'live' ? { tab: v } : {}, { replace: true })}
        keepMounted={false}>
        <Tabs.List>
          {TABS.filter((x) => x !== 'commands' || canCommand).map((x) => (
            <Tabs.Tab key={x} value={x}>
              {t(`devices.tabs.${x}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="live" pt="md">
          <LiveMetrics farm={farm.slug} device={d.device_id} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <History farm={farm.slug} device={d.device_id} />
        </Tabs.Panel>
        {canCommand && (
          <Tabs.Panel value="commands" pt="md">
            <Commands farm={farm.slug} device={d} />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="settings" pt="md">
          <Settings farm={farm.slug} device={d} canEdit={canEdit} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
