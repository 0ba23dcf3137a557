import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../api/generated/permissions';
import { ErrorNotice } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useApiKeyActions, useApiKeys } from './api';

/** Keys for scripts and gateways: the key itself is shown once, at creation. */
export function ApiKeysCard({ farm }: { farm: string }) {
  const { t } = useTranslation();
  const keys = useApiKeys(farm);
  const { create, revoke } = useApiKeyActions(farm);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('worker');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), role }, { onSuccess: () => setName('') });
  };
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('settings.apiKeys')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('settings.apiKeysHint')}
      </Text>
      <Stack component="form" onSubmit={submit} gap="sm">
        <TextInput
          label={t('settings.keyName')}
          placeholder={t('settings.keyNamePlaceholder')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label={t('settings.role')}
          data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          value={role}
          allowDeselect={false}
          onChange={(v) => v && setRole(v as Role)}
        />
        <ErrorNotice error={create.error} />
        <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
          {t('settings.createKey')}
        </Button>
      </Stack>
      {create.data && (
        <Alert color="yellow" variant="light" mt="md" title={t('settings.keyOnce')}>
          <Code data-testid="api-key" style={{ wordBreak: 'break-all' }}>
            {create.data.key}
          </Code>
          <CopyButton value={create.data.key}>
            {({ copied, copy }) => (
              <Button mt="xs" variant="light" onClick={copy}>
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
        </Alert>
      )}
      <ErrorNotice error={keys.error ?? revoke.error} />
      <Stack gap="xs" mt="md">
        {keys.data
          ?.filter((k) => !k.revoked)
          .map((k) => (
            <Group key={k.id} justify="space-between" wrap="wrap" data-testid="api-key-row">
              <div>
                <Text fw={600}>
                  {k.name}{' '}
                  <Badge variant="light" ml={4}>
                    {t(`roles.${k.role}`)}
                  </Badge>
                </Text>
                <Text size="sm" c="dimmed">
                  <Code>{k.prefix}…</Code> ·{' '}
                  {k.last_used_at ? t('settings.lastUsed', { when: timeAgo(k.last_used_at) }) : t('settings.neverUsed')}
                  {k.created_by &&
                    ` · ${t('settings.keyMadeBy', { name: k.created_by.name ?? t('settings.keyMadeByFormer') })}`}
                </Text>
                {!k.active && (
                  <Text size="sm" c="red" data-testid="api-key-stopped">
                    {t('settings.keyStopped')}
                  </Text>
                )}
              </div>
              <Button size="md" variant="subtle" color="red" onClick={() => revoke.mutate(k.id)}>
                {t('settings.revoke')}
              </Button>
            </Group>
          ))}
      </Stack>
    </Card>
  );
}
