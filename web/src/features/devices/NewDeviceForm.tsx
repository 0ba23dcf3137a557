import { ActionIcon, Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ErrorNotice } from '../../components/states';
import { useCreateDevice, type Channel, type NewDevice } from './api';

const TYPES: NewDevice['type'][] = ['sensor', 'relay', 'gpio', 'pwm', 'adc', 'servo', 'manual'];
const KINDS: Channel['kind'][] = [
  'fan',
  'heater',
  'cooler',
  'light',
  'pump',
  'valve',
  'feeder',
  'belt',
  'humidifier',
  'vent',
  'door',
  'motor',
  'other',
];
const SAFE: Array<Exclude<Channel['safe_state'], number>> = ['on', 'off', 'unchanged'];
/** What the hardware id label may hold (as the API checks it). */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Registers a device: its label, name, type and, for controllers, the channels it drives. */
export function NewDeviceForm({ farm, onDone }: { farm: string; onDone: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useCreateDevice(farm);
  const [name, setName] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState<NewDevice['type']>('sensor');
  const [channels, setChannels] = useState<Channel[]>([]);
  const suggested = name
    .trim()
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  const deviceId = label || suggested;
  const labelError = deviceId && !LABEL.test(deviceId) ? t('devices.labelRule') : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await create
      .mutateAsync({ device_id: deviceId, name: name.trim(), type, ...(channels.length ? { channels } : {}) })
      .catch(() => undefined);
    if (created) await navigate(created.device_id);
  };
  const setChannel = (i: number, patch: Partial<Channel>) =>
    setChannels((list) => list.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <Card withBorder component="form" onSubmit={submit} noValidate>
      <Title order={2} fz={20} mb="sm">
        {t('devices.add')}
      </Title>
      <Stack gap="sm">
        <TextInput
          label={t('devices.name')}
          placeholder={t('devices.namePlaceholder')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <TextInput
          label={t('devices.label')}
          description={t('devices.labelHint')}
          value={deviceId}
          error={labelError}
          onChange={(e) => setLabel(e.currentTarget.value)}
        />
        <Select
          label={t('devices.type')}
          data={TYPES.map((v) => ({ value: v, label: t(`deviceTypes.${v}`) }))}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setType(v as NewDevice['type'])}
        />
        {type !== 'sensor' && type !== 'manual' && (
          <Stack gap="xs">
            <Text fw={600}>{t('devices.channels')}</Text>
            <Text size="sm" c="dimmed">
              {t('devices.channelsHint')}
            </Text>
            {channels.map((channel, i) => (
              <Group key={i} align="end" gap="xs" wrap="wrap">
                <TextInput
                  label={t('devices.channelName')}
                  value={channel.name}
                  onChange={(e) => setChannel(i, { name: e.currentTarget.value })}
                  w={140}
                />
                <Select
                  label={t('devices.channelKind')}
                  data={KINDS.map((k) => ({ value: k, label: t(`channelKinds.${k}`) }))}
                  value={channel.kind}
                  allowDeselect={false}
                  onChange={(v) => v && setChannel(i, { kind: v as Channel['kind'] })}
                  w={150}
                />
                <Select
                  label={t('devices.safeState')}
                  data={SAFE.map((s) => ({ value: s, label: t(`safeStates.${s}`) }))}
                  value={String(channel.safe_state)}
                  allowDeselect={false}
                  onChange={(v) => v && setChannel(i, { safe_state: v as Channel['safe_state'] })}
                  w={150}
                />
                <ActionIcon
                  variant="light"
                  color="red"
                  aria-label={t('devices.removeChannel')}
                  onClick={() => setChannels((l) => l.filter((_, j) => j !== i))}>
                  ✕
                </ActionIcon>
              </Group>
            ))}
            <Button
              variant="light"
              onClick={() =>
                setChannels((l) => [...l, { name: `channel-${l.length + 1}`, kind: 'fan', safe_state: 'on' }])
              }>
              {t('devices.addChannel')}
            </Button>
          </Stack>
        )}
        <ErrorNotice error={create.error} />
        <Group>
          <Button type="submit" loading={create.isPending} disabled={!name.trim() || !!labelError}>
            {t('devices.register')}
          </Button>
          <Button variant="subtle" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
