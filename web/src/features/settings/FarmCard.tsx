import { Button, Card, Group, NumberInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../../components/states';
import type { Farm } from '../farms/api';
import { useRetention, useUpdateFarm } from './api';

/** The farm's name and time zone (schedules and daily rollups follow it), and how long readings are kept. */
export function FarmCard({ farm, canEdit }: { farm: Farm; canEdit: boolean }) {
  const { t } = useTranslation();
  const update = useUpdateFarm(farm.slug);
  const { query: retention, save } = useRetention(farm.slug);
  const zones = useMemo(
    () => [
      ...new Set([
        farm.timezone,
        ...((Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []),
      ]),
    ],
    [farm.timezone],
  );
  const [name, setName] = useState(farm.name);
  const [zone, setZone] = useState(farm.timezone);
  const [days, setDays] = useState({ raw_days: 0, hourly_days: 0, daily_days: 0 });
  useEffect(() => {
    if (retention.data) setDays(retention.data);
  }, [retention.data]);
  const ready = retention.isSuccess && days.raw_days > 0;

  const submitFarm = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ name: name.trim(), timezone: zone });
  };
  const submitRetention = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(days);
  };
  const day = (key: keyof typeof days, label: string) => (
    <NumberInput
      label={label}
      min={1}
      value={days[key]}
      disabled={!canEdit}
      onChange={(v) => setDays((d) => ({ ...d, [key]: Number(v) || 0 }))}
    />
  );

  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="sm">
        {t('settings.farm')}
      </Title>
      <Stack component="form" onSubmit={submitFarm} gap="sm">
        <TextInput
          label={t('settings.farmName')}
          value={name}
          disabled={!canEdit}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label={t('setup.timezone')}
          description={t('settings.timezoneHint')}
          data={zones}
          searchable
          value={zone}
          allowDeselect={false}
          disabled={!canEdit}
          onChange={(v) => v && setZone(v)}
        />
        <ErrorNotice error={update.error} />
        {update.isSuccess && (
          <Text role="status" c="field.9">
            {t('common.saved')}
          </Text>
        )}
        {canEdit && (
          <Button type="submit" loading={update.isPending}>
            {t('common.save')}
          </Button>
        )}
      </Stack>
      <Title order={3} fz={18} mt="lg" mb="xs">
        {t('settings.retention')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('settings.retentionHint')}
      </Text>
      {retention.isPending && <Loading />}
      {retention.isSuccess && (
        <Stack component="form" onSubmit={submitRetention} gap="sm">
          <Group grow wrap="wrap">
            {day('raw_days', t('settings.rawDays'))}
            {day('hourly_days', t('settings.hourlyDays'))}
            {day('daily_days', t('settings.dailyDays'))}
          </Group>
          <ErrorNotice error={save.error ?? retention.error} />
          {save.isSuccess && (
            <Text role="status" c="field.9">
              {t('common.saved')}
            </Text>
          )}
          {canEdit && (
            <Button type="submit" loading={save.isPending} disabled={!ready}>
              {t('settings.saveRetention')}
            </Button>
          )}
        </Stack>
      )}
      {retention.isError && <ErrorNotice error={retention.error} />}
    </Card>
  );
}
