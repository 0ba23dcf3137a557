import { Anchor, Button, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorNotice, Loading } from '../../components/states';
import { formatValue, timeAgo } from '../../components/time';
import { useAlerts } from '../alerts/api';
import { AlertCard } from '../alerts/AlertsPage';
import { useDevices, useLiveLatest, type Device } from '../devices/api';
import { useFarm } from '../farms/FarmRoute';
import { can } from '../../api/generated/permissions';

function Stat({ label, value, color, testId }: { label: string; value: number; color?: string; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text fz={32} fw={800} c={color} data-testid={testId}>
        {value}
      </Text>
      <Text size="sm" fw={600}>
        {label}
      </Text>
    </Card>
  );
}

function LatestReadings({ farm, device }: { farm: string; device: Device }) {
  const { t } = useTranslation();
  const latest = useLiveLatest(farm, device.device_id);
  if (!latest.data?.length) return null;
  return (
    <Card withBorder component={Link} to={`devices/${device.device_id}`}>
      <Text fw={700}>{device.name}</Text>
      <Group gap="lg" mt={4}>
        {latest.data.slice(0, 4).map((m) => (
          <div key={m.metric}>
            <Text size="sm" c="dimmed">
              {t(`metrics.${m.metric}`, { defaultValue: m.metric })}
            </Text>
            <Text fw={800} fz={20} data-testid={`latest-${device.device_id}-${m.metric}`}>
              {formatValue(m.value, m.unit)}
            </Text>
          </div>
        ))}
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        {timeAgo(latest.data[0]?.ts)}
      </Text>
    </Card>
  );
}

/** A new farm: what to do first, in order. */
function GettingStarted() {
  const { t } = useTranslation();
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('dashboard.startTitle')}
      </Title>
      <List type="ordered" spacing="xs">
        <List.Item>{t('dashboard.startDevice')}</List.Item>
        <List.Item>{t('dashboard.startConnect')}</List.Item>
        <List.Item>{t('dashboard.startAlert')}</List.Item>
      </List>
      <Button component={Link} to="devices" mt="md">
        {t('devices.add')}
      </Button>
    </Card>
  );
}

/** The farm at a glance: presence, active alerts, latest readings, and what needs attention today. */
export function DashboardPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const devices = useDevices(farm.slug);
  const alerts = useAlerts(farm.slug, 'active');
  if (devices.isPending) return <Loading />;
  const list = (devices.data ?? []).filter((d) => d.active);
  const connected = list.filter((d) => d.type !== 'manual');
  const online = connected.filter((d) => d.online);
  const offline = connected.filter((d) => !d.online);
  const triggered = (alerts.data ?? []).filter((a) => a.state === 'triggered');
  const acknowledged = (alerts.data ?? []).filter((a) => a.state === 'acknowledged');
  const failedCommands = connected.filter(
    (d) => d.last_command_status && ['failed', 'timeout', 'expired'].includes(d.last_command_status),
  );
  const attention = [
    ...triggered.map((a) => ({
      key: `a-${a.id}`,
      text: t('dashboard.alertWaiting', { message: a.message }),
      to: 'alerts',
    })),
    ...acknowledged.map((a) => ({
      key: `k-${a.id}`,
      text: t('dashboard.alertOpen', { message: a.message }),
      to: 'alerts',
    })),
    ...offline.map((d) => ({
      key: `d-${d.id}`,
      text: d.last_heartbeat_at
        ? t('dashboard.deviceOffline', { name: d.name, when: timeAgo(d.last_heartbeat_at) })
        : t('dashboard.deviceNeverSeen', { name: d.name }),
      to: `devices/${d.device_id}`,
    })),
    ...failedCommands.map((d) => ({
      key: `c-${d.id}`,
      text: t('dashboard.commandFailed', { name: d.name }),
      to: `devices/${d.device_id}?tab=commands`,
    })),
  ];

  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {farm.name}
      </Title>
      <ErrorNotice error={devices.error ?? alerts.error} />
      {list.length === 0 && <GettingStarted />}
      <SimpleGrid cols={{ base: 3 }}>
        <Stat label={t('dashboard.online')} value={online.length} color="field.9" testId="stat-online" />
        <Stat
          label={t('dashboard.offline')}
          value={offline.length}
          color={offline.length ? 'red.8' : undefined}
          testId="stat-offline"
        />
        <Stat
          label={t('dashboard.activeAlerts')}
          value={alerts.data?.length ?? 0}
          color={alerts.data?.length ? 'orange.8' : undefined}
          testId="stat-alerts"
        />
      </SimpleGrid>
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('dashboard.attention')}
        </Title>
        {attention.length === 0 ? (
          <Text c="dimmed" data-testid="all-well">
            {t('dashboard.allWell')}
          </Text>
        ) : (
          <List spacing="xs">
            {attention.slice(0, 10).map((item) => (
              <List.Item key={item.key}>
                <Anchor component={Link} className="touch-link" to={item.to}>
                  {item.text}
                </Anchor>
              </List.Item>
            ))}
          </List>
        )}
      </Card>
      {triggered.slice(0, 3).map((a) => (
        <AlertCard key={a.id} alert={a} farm={farm.slug} canAct={can(farm.role, 'records.write')} />
      ))}
      {connected.length > 0 && (
        <Title order={2} fz={20}>
          {t('dashboard.latest')}
        </Title>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {connected.slice(0, 12).map((d) => (
          <LatestReadings key={d.id} farm={farm.slug} device={d} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
