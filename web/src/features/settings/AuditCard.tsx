import { Badge, Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../../components/states';
import { dateTime } from '../../components/time';
import { useAudit, type AuditQuery } from './api';

const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** Who did what and when, newest first, narrowed by category, severity and dates. */
export function AuditCard({ farm }: { farm: string }) {
  const { t } = useTranslation();
  const [category, setCategory] = useState('');
  const [severity, setSeverity] = useState<AuditQuery['severity'] | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const query: AuditQuery = {
    ...(category.trim() ? { category: category.trim() } : {}),
    ...(severity ? { severity } : {}),
    ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
    ...(to ? { to: new Date(`${to}T23:59:59`).toISOString() } : {}),
  };
  const audit = useAudit(farm, query);
  const events = audit.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="sm">
        {t('settings.audit')}
      </Title>
      <Group grow wrap="wrap" mb="sm" align="end">
        <TextInput
          label={t('settings.category')}
          placeholder="auth, devices, …"
          value={category}
          onChange={(e) => setCategory(e.currentTarget.value)}
          miw={140}
        />
        <Select
          label={t('rules.severity')}
          clearable
          data={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
          value={severity ?? null}
          onChange={(v) => setSeverity((v as AuditQuery['severity']) ?? null)}
          miw={140}
        />
        <TextInput
          label={t('settings.from')}
          type="date"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          miw={140}
        />
        <TextInput
          label={t('settings.to')}
          type="date"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          miw={140}
        />
      </Group>
      {audit.isPending && <Loading />}
      <ErrorNotice error={audit.error} />
      {audit.isSuccess && events.length === 0 && <Text c="dimmed">{t('settings.auditEmpty')}</Text>}
      <Stack gap="xs">
        {events.map((e) => (
          <div key={e.id} data-testid="audit-event">
            <Group gap="xs" wrap="nowrap" justify="space-between">
              <Text fw={600} size="sm">
                {e.message}
              </Text>
              {e.severity !== 'info' && (
                <Badge color={e.severity === 'critical' ? 'red' : 'orange'} variant="light">
                  {t(`severity.${e.severity}`)}
                </Badge>
              )}
            </Group>
            <Text size="xs" c="dimmed">
              {dateTime(e.created_at)} · {e.category} · {e.event_type}
            </Text>
          </div>
        ))}
      </Stack>
      {audit.hasNextPage && (
        <Button mt="sm" variant="light" loading={audit.isFetchingNextPage} onClick={() => void audit.fetchNextPage()}>
          {t('settings.more')}
        </Button>
      )}
    </Card>
  );
}
