import { Alert, Button, Card, Code, CopyButton, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../../components/states';
import { dateTime } from '../../components/time';
import { useConfig, useCredentials, useSetConfig, type Credentials, type Device } from './api';

function Copyable({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap" gap="xs">
      <div style={{ minWidth: 0 }}>
        <Text size="sm" c="dimmed">
          {label}
        </Text>
        <Code data-testid={testId} style={{ wordBreak: 'break-all' }}>
          {value}
        </Code>
      </div>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant="light" size="md" onClick={copy}>
            {copied ? t('common.copied') : t('common.copy')}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** New credentials, shown once, with everything to flash into the device. */
function CredentialsShown({ credentials, device }: { credentials: Credentials; device: Device }) {
  const { t } = useTranslation();
  const { mqtt } = credentials;
  const kind = device.type === 'sensor' ? 'house' : 'controller';
  const simulate =
    mqtt.port === null
      ? undefined
      : `npm run croft -- simulate --as '${credentials.username}:${credentials.password}' --topic ${mqtt.topic_prefix} --mqtt mqtt://${mqtt.host}:${mqtt.port} --kind ${kind} --interval 2`;
  return (
    <Stack gap="xs" data-testid="credentials">
      <Alert color="yellow" variant="light">
        {t('credentials.once')}
      </Alert>
      <Copyable label={t('credentials.username')} value={credentials.username} testId="cred-username" />
      <Copyable label={t('credentials.password')} value={credentials.password} testId="cred-password" />
      <Copyable label={t('credentials.host')} value={mqtt.host} testId="cred-host" />
      {mqtt.port === null ? (
        <Text c="red">{t('credentials.noBroker')}</Text>
      ) : (
        <Copyable label={t('credentials.port')} value={String(mqtt.port)} testId="cred-port" />
      )}
      {mqtt.tls_port !== null && (
        <Copyable label={t('credentials.tlsPort')} value={String(mqtt.tls_port)} testId="cred-tls-port" />
      )}
      {mqtt.websocket_url !== null && <Copyable label={t('credentials.websocket')} value={mqtt.websocket_url} />}
      <Copyable label={t('credentials.telemetryTopic')} value={`${mqtt.topic_prefix}/telemetry`} testId="cred-topic" />
      <Copyable label={t('credentials.commandTopic')} value={`${mqtt.topic_prefix}/commands`} />
      <Copyable label={t('credentials.example')} value={`{"readings":{"temperature":24.1,"humidity":61}}`} />
      {simulate && (
        <Alert color="blue" variant="light" title={t('credentials.simulateTitle')} mt="xs">
          <Text size="sm" mb="xs">
            {t('credentials.simulateHint')}
          </Text>
          <Copyable label={t('credentials.simulateCommand')} value={simulate} testId="simulate-command" />
        </Alert>
      )}
    </Stack>
  );
}

function CredentialsCard({ farm, device }: { farm: string; device: Device }) {
  const { t } = useTranslation();
  const { generate, revoke } = useCredentials(farm, device.device_id);
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('credentials.title')}
      </Title>
      <Text c="dimmed" mb="sm">
        {t('credentials.intro')}
      </Text>
      {generate.data && <CredentialsShown credentials={generate.data} device={device} />}
      <ErrorNotice error={generate.error ?? revoke.error} />
      <Group mt="sm">
        <Button onClick={() => generate.mutate()} loading={generate.isPending}>
          {t(generate.data ? 'credentials.rotate' : 'credentials.generate')}
        </Button>
        <Button
          variant="outline"
          color="red"
          onClick={() => {
            generate.reset();
            revoke.mutate();
          }}
          loading={revoke.isPending}>
          {t('credentials.revoke')}
        </Button>
      </Group>
      {revoke.isSuccess && !generate.data && (
        <Text mt="xs" role="status">
          {t('credentials.revoked')}
        </Text>
      )}
    </Card>
  );
}

/** The device's configuration: each parameter with its bounds; a change goes to the device at once. */
function ConfigCard({ farm, device, canEdit }: { farm: string; device: Device; canEdit: boolean }) {
  const { t } = useTranslation();
  const config = useConfig(farm, device.device_id);
  const set = useSetConfig(farm, device.device_id);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const number = Number(value);
    set.mutate(
      { name: name.trim(), value: value.trim() !== '' && Number.isFinite(number) ? number : value },
      { onSuccess: () => setValue('') },
    );
  };
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('config.title')}
      </Title>
      {config.isPending && <Loading />}
      <ErrorNotice error={config.error} />
      {config.data?.length === 0 && <Text c="dimmed">{t('config.none')}</Text>}
      {!!config.data?.length && (
        <Table.ScrollContainer minWidth={320}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('config.name')}</Table.Th>
                <Table.Th>{t('config.value')}</Table.Th>
                <Table.Th>{t('config.bounds')}</Table.Th>
                <Table.Th>{t('config.changed')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {config.data.map((p) => (
                <Table.Tr
                  key={p.name}
                  onClick={
                    canEdit
                      ? () => {
                          setName(p.name);
                          setValue(String(p.value ?? ''));
                        }
                      : undefined
                  }
                  style={canEdit ? { cursor: 'pointer' } : undefined}>
                  <Table.Td>{p.name}</Table.Td>
                  <Table.Td>
                    {String(p.value)}
                    {p.unit ? ` ${p.unit}` : ''}
                  </Table.Td>
                  <Table.Td>
                    {p.min ?? '−∞'} … {p.max ?? '∞'}
                  </Table.Td>
                  <Table.Td>{dateTime(p.updated_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canEdit && (
        <Stack component="form" onSubmit={submit} gap="sm" mt="sm">
          <Group grow wrap="wrap" align="end">
            <TextInput label={t('config.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <TextInput label={t('config.value')} value={value} onChange={(e) => setValue(e.currentTarget.value)} />
          </Group>
          <ErrorNotice error={set.error} />
          <Button type="submit" loading={set.isPending} disabled={!name.trim()}>
            {t('config.save')}
          </Button>
        </Stack>
      )}
    </Card>
  );
}

export function Settings({ farm, device, canEdit }: { farm: string; device: Device; canEdit: boolean }) {
  const { t } = useTranslation();
  return (
    <Stack gap="md">
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('devices.details')}
        </Title>
        <Text>
          {t('devices.label')}: <Code>{device.device_id}</Code>
        </Text>
        <Text>
          {t('devices.type')}: {t(`deviceTypes.${device.type}`)}
        </Text>
        {device.model && (
          <Text>
            {t('devices.model')}: {device.model}
          </Text>
        )}
        {device.firmware_version && (
          <Text>
            {t('devices.firmware')}: {device.firmware_version}
          </Text>
        )}
        {device.channels.length > 0 && (
          <Text>
            {t('devices.channels')}:{' '}
            {device.channels
              .map(
                (c) =>
                  `${c.name} (${t(`channelKinds.${c.kind}`)}, ${t('devices.safeState')}: ${t(`safeStates.${c.safe_state}`, { defaultValue: String(c.safe_state) })})`,
              )
              .join(', ')}
          </Text>
        )}
      </Card>
      {canEdit && <CredentialsCard farm={farm} device={device} />}
      <ConfigCard farm={farm} device={device} canEdit={canEdit} />
    </Stack>
  );
}
