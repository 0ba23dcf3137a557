import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useDevices, type Device } from './api';
import { NewDeviceForm } from './NewDeviceForm';
import { can } from '../../api/generated/permissions';

export function OnlineBadge({ device }: { device: Pick<Device, 'online' | 'type'> }) {
  const { t } = useTranslation();
  if (device.type === 'manual')
    return (
      <Badge color="gray" variant="light">
        {t('devices.manual')}
      </Badge>
    );
  return device.online ? (
    <Badge color="field" variant="filled" data-testid="online">
      {t('devices.online')}
    </Badge>
  ) : (
    <Badge color="red" variant="outline" data-testid="offline">
      {t('devices.offline')}
    </Badge>
  );
}

/** The farm's devices, searchable, with presence; and the form to register one. */
export function DevicesPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const devices = useDevices(farm.slug);
  const [adding, setAdding] = useState(false);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return (devices.data ?? []).filter(
      (d) => !needle || d.name.toLowerCase().includes(needle) || d.device_id.toLowerCase().includes(needle),
    );
  }, [devices.data, filter]);
  const canEdit = can(farm.role, 'config.write');

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} fz={26}>
          {t('devices.title')}
        </Title>
        {canEdit && !adding && <Button onClick={() => setAdding(true)}>{t('devices.add')}</Button>}
      </Group>
      {adding && <NewDeviceForm farm={farm.slug} onDone={() => setAdding(false)} />}
      {(devices.data?.length ?? 0) > 6 && (
        <TextInput
          aria-label={t('devices.search')}
          placeholder={t('devices.search')}
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
        />
      )}
      {devices.isPending && <Loading />}
      <ErrorNotice error={devices.error} />
      {devices.data?.length === 0 && !adding && <Empty title={t('devices.empty')}>{t('devices.emptyHint')}</Empty>}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {shown.map((device) => (
          <Card
            key={device.id}
            withBorder
            component={Link}
            to={device.device_id}
            data-testid={`device-${device.device_id}`}
            style={{ minHeight: 48 }}>
            <Group justify="space-between" wrap="nowrap">
              <Text fw={700} truncate>
                {device.name}
              </Text>
              <OnlineBadge device={device} />
            </Group>
            <Text c="dimmed" size="sm">
              {device.device_id} · {t(`deviceTypes.${device.type}`)}
            </Text>
            <Text size="sm">
              {device.last_heartbeat_at
                ? t('devices.lastSeen', { when: timeAgo(device.last_heartbeat_at) })
                : t('devices.neverSeen')}
            </Text>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
