import { Anchor, Badge, Button, Card, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { dateTime } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useScheduleActions, useSchedules, type Schedule } from './api';
import { cronInWords } from './cron-words';
import { EmergencyStop } from './EmergencyStop';
import { NewScheduleForm } from './NewScheduleForm';

/** A schedule in one line of words: "on · fan-1 · at 6:00 every day" etc. */
export function ScheduleSummary({ schedule }: { schedule: Schedule }) {
  const { t } = useTranslation();
  const what = `${t(`actions.${schedule.action}`)}${schedule.value !== null ? ` ${schedule.value}` : ''} · ${schedule.device}${schedule.channel ? `/${schedule.channel}` : ''}`;
  const when =
    schedule.kind === 'time'
      ? schedule.cron
        ? cronInWords(schedule.cron, t)
        : schedule.hours !== undefined
          ? `${t('schedules.windowHoursSummary', { start: schedule.start, hours: schedule.hours })}${
              schedule.follow ? ` (${t('schedules.followsPhotoperiod')})` : ''
            }`
          : t('schedules.windowSummary', { start: schedule.start, end: schedule.end })
      : schedule.kind === 'duration'
        ? t('schedules.durationSummary', {
            on: Math.round(((schedule.on_s ?? 0) / 60) * 10) / 10,
            off: Math.round(((schedule.off_s ?? 0) / 60) * 10) / 10,
          })
        : t('schedules.conditionSummary');
  return (
    <Text size="sm" c="dimmed">
      {what} · {when}
    </Text>
  );
}

export function SchedulesPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const schedules = useSchedules(farm.slug);
  const { setEnabled } = useScheduleActions(farm.slug);
  const [adding, setAdding] = useState(false);
  const canEdit = can(farm.role, 'config.write');
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} fz={26}>
          {t('schedules.title')}
        </Title>
        {canEdit && !adding && <Button onClick={() => setAdding(true)}>{t('schedules.new')}</Button>}
      </Group>
      <EmergencyStop farm={farm.slug} canUse={can(farm.role, 'records.write')} />
      {adding && <NewScheduleForm farm={farm.slug} onDone={() => setAdding(false)} />}
      {schedules.isPending && <Loading />}
      <ErrorNotice error={schedules.error ?? setEnabled.error} />
      {schedules.data?.length === 0 && !adding && (
        <Empty title={t('schedules.empty')}>{t('schedules.emptyHint')}</Empty>
      )}
      {schedules.data?.map((s) => (
        <Card key={s.id} withBorder data-testid="schedule">
          <Group justify="space-between" wrap="nowrap" align="start">
            <div style={{ minWidth: 0 }}>
              <Anchor component={Link} className="touch-link" to={s.id} fw={700} c="dark.9">
                {s.name}
              </Anchor>
              <ScheduleSummary schedule={s} />
            </div>
            <Switch
              checked={s.enabled}
              disabled={!canEdit}
              size="lg"
              aria-label={t('schedules.enabled')}
              onChange={(e) => setEnabled.mutate({ id: s.id, enabled: e.currentTarget.checked })}
            />
          </Group>
          <Group gap="xs" mt="xs">
            <Badge variant="light">{t(`scheduleKinds.${s.kind}`)}</Badge>
            {s.next_fire_at && (
              <Badge variant="outline" color="gray">
                {t('schedules.next', { when: dateTime(s.next_fire_at, farm.timezone) })}
              </Badge>
            )}
            {s.success_rate !== null && (
              <Badge variant="light" color={s.success_rate >= 0.9 ? 'field' : 'orange'}>
                {t('schedules.successRate', { rate: Math.round(s.success_rate * 100) })}
              </Badge>
            )}
            {s.consecutive_failures >= 3 && <Badge color="red">{t('schedules.failing')}</Badge>}
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
