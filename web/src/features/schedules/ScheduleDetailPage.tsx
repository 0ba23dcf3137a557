import { Anchor, Badge, Button, Card, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { dateTime, formatLocale } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useExecutions, usePreview, useSchedule, useScheduleActions, type Preview } from './api';
import { ScheduleSummary } from './SchedulesPage';
import classes from './timeline.module.css';

/** The next seven days, a row per day, each firing a mark on a 24-hour bar; conflicts in red. */
function Timeline({ preview, timeZone }: { preview: Preview; timeZone: string }) {
  const { t } = useTranslation();
  const days = useMemo(() => {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const byDay = new Map<string, Array<Preview['firings'][number] & { minute: number; label: string }>>();
    for (const firing of preview.firings) {
      const at = new Date(firing.at);
      const label = clock.format(at);
      const [h, m] = label.split(':').map(Number);
      const key = day.format(at);
      byDay.set(key, [...(byDay.get(key) ?? []), { ...firing, minute: h! * 60 + m!, label }]);
    }
    return [...byDay.entries()];
  }, [preview, timeZone]);
  if (days.length === 0) return <Empty title={t('schedules.noFirings')}>{preview.note ?? undefined}</Empty>;
  const dayName = new Intl.DateTimeFormat(formatLocale(), { weekday: 'short', day: 'numeric', month: 'short' });
  return (
    <Stack gap={6} data-testid="timeline">
      {days.map(([day, firings]) => (
        <div key={day} className={classes.row}>
          <Text size="sm" fw={600} className={classes.day}>
            {dayName.format(new Date(`${day}T12:00:00`))}
          </Text>
          <div className={classes.bar} role="list" aria-label={t('schedules.firingsOn', { day })}>
            {firings.map((f) => (
              <Tooltip
                key={f.at}
                label={`${f.label} ${t(`actions.${f.action}`, { defaultValue: f.action })}${f.skipped_by ? ` — ${t('schedules.skippedBy', { name: f.skipped_by.name })}` : ''}`}>
                <span
                  role="listitem"
                  className={f.skipped_by ? classes.skipped : classes.mark}
                  style={{ left: `${(f.minute / 1440) * 100}%` }}
                  data-testid={f.skipped_by ? 'firing-skipped' : 'firing'}
                  aria-label={f.label}
                />
              </Tooltip>
            ))}
          </div>
          <Text size="xs" c="dimmed" className={classes.count}>
            {firings.length}×
          </Text>
        </div>
      ))}
      {preview.firings.some((f) => f.skipped_by) && (
        <Text size="sm" c="red.8">
          {t('schedules.conflicts')}
        </Text>
      )}
      {preview.note && (
        <Text size="sm" c="dimmed">
          {preview.note}
        </Text>
      )}
    </Stack>
  );
}

export function ScheduleDetailPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const { id = '' } = useParams();
  const schedule = useSchedule(farm.slug, id);
  const preview = usePreview(farm.slug, id);
  const executions = useExecutions(farm.slug, id);
  const { runNow, remove } = useScheduleActions(farm.slug);
  const canEdit = can(farm.role, 'config.write');
  if (schedule.isPending) return <Loading />;
  if (!schedule.data) return <ErrorNotice error={schedule.error} />;
  const s = schedule.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} className="touch-link" to={`/farms/${farm.slug}/schedules`} size="sm">
        ← {t('schedules.title')}
      </Anchor>
      <div>
        <Title order={1} fz={26}>
          {s.name}
        </Title>
        <ScheduleSummary schedule={s} />
        {s.success_rate !== null && (
          <Text size="sm">{t('schedules.successRate', { rate: Math.round(s.success_rate * 100) })}</Text>
        )}
      </div>
      {canEdit && (
        <Group>
          <Button
            onClick={() => runNow.mutate(s.id, { onSuccess: () => void executions.refetch() })}
            loading={runNow.isPending}>
            {t('schedules.runNow')}
          </Button>
          <Button
            variant="outline"
            color="red"
            onClick={() => remove.mutate(s.id, { onSuccess: () => void navigate('..', { relative: 'path' }) })}>
            {t('schedules.delete')}
          </Button>
        </Group>
      )}
      <ErrorNotice error={runNow.error ?? remove.error} />
      <Card withBorder>
        <Title order={2} fz={20} mb="sm">
          {t('schedules.preview')}
        </Title>
        {preview.isPending ? (
          <Loading />
        ) : preview.data ? (
          <Timeline preview={preview.data} timeZone={farm.timezone} />
        ) : (
          <ErrorNotice error={preview.error} />
        )}
      </Card>
      <Card withBorder>
        <Title order={2} fz={20} mb="sm">
          {t('schedules.executions')}
        </Title>
        {executions.isPending && <Loading />}
        <ErrorNotice error={executions.error} />
        {executions.data?.length === 0 && <Text c="dimmed">{t('schedules.noExecutions')}</Text>}
        <Stack gap="xs">
          {executions.data?.map((e) => (
            <Group key={e.id} justify="space-between" wrap="nowrap" data-testid="execution">
              <div>
                <Text size="sm" fw={600}>
                  {dateTime(e.actual_at)}
                </Text>
                {e.error && (
                  <Text size="xs" c="red.8">
                    {e.error}
                  </Text>
                )}
              </div>
              <Badge
                color={
                  e.status === 'executed'
                    ? 'field'
                    : e.status === 'skipped'
                      ? 'gray'
                      : e.status === 'pending'
                        ? 'yellow'
                        : 'red'
                }>
                {t(`executionStatus.${e.status}`, { defaultValue: e.status })}
              </Badge>
            </Group>
          ))}
        </Stack>
      </Card>
    </Stack>
  );
}
