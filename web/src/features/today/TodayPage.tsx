import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { IconArrowBackUp } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../../api/client';
import { newId } from '../../components/ids';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { formatLocale } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useOutbox } from '../../offline/Outbox';
import { useTaskActions, useToday, type Task, type TodayFarm } from './api';
import { TaskCard } from './TaskCard';

type Closed = { farm: string; id: string; title: string; how: 'done' | 'queued' | 'skipped' | 'snoozed' };

/** Overdue first (they are due earliest), then by due time. */
const byDue = (a: Task, b: Task) => a.due_at.localeCompare(b.due_at) || a.title.localeCompare(b.title);

/**
 * Today: my open tasks in each of my farms, this farm first, each done, skipped or snoozed with a tap;
 * the last one closed can be opened again. The list follows the farm's live task events.
 */
export function TodayPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const today = useToday(farm.slug);
  const actions = useTaskActions(farm.slug);
  const [closed, setClosed] = useState<Closed | undefined>();
  // One completion id per task for as long as the page lives: a retried tap is stored once.
  const completions = useRef(new Map<string, string>());
  // A task done without a connection waits on the phone; it is not shown as open meanwhile.
  const waiting = new Set(
    useOutbox()
      .filter((item) => item.kind === 'task' && item.state !== 'refused')
      .map((item) => item.subject),
  );

  if (today.isPending) return <Loading />;
  const groups = [...(today.data ?? [])]
    .map((g) => ({ ...g, tasks: g.tasks.filter((task) => !waiting.has(task.id)) }))
    .filter((g) => g.tasks.length > 0)
    .sort((a, b) =>
      a.farm.slug === farm.slug ? -1 : b.farm.slug === farm.slug ? 1 : a.farm.name.localeCompare(b.farm.name),
    );
  const count = groups.reduce((n, g) => n + g.tasks.length, 0);
  const busy =
    actions.complete.isPending || actions.skip.isPending || actions.snooze.isPending || actions.reopen.isPending;
  const error = actions.complete.error ?? actions.skip.error ?? actions.snooze.error ?? actions.reopen.error;

  const handlers = (group: TodayFarm, task: Task) => {
    const where = { farm: group.farm.slug, id: task.id };
    const after = (how: Closed['how']) => () => setClosed({ ...where, title: task.title, how });
    const reset = () => {
      actions.complete.reset();
      actions.skip.reset();
      actions.snooze.reset();
      actions.reopen.reset();
    };
    return {
      busy,
      done: () => {
        reset();
        const completion = completions.current.get(task.id) ?? newId();
        completions.current.set(task.id, completion);
        // Kept only while the answer is unknown: once done (and perhaps undone), the next tap is a new completion.
        actions.complete.mutate(
          { ...where, completion, title: task.title },
          {
            onSuccess: (answer) => after(answer.queued ? 'queued' : 'done')(),
            onSettled: (_, failure) => {
              if (!(failure instanceof ApiError && failure.code === 'NETWORK')) completions.current.delete(task.id);
            },
          },
        );
      },
      skip: () => {
        reset();
        actions.skip.mutate(where, { onSuccess: after('skipped') });
      },
      snooze: (body: { days: number } | { until: string }) => {
        reset();
        actions.snooze.mutate({ ...where, body }, { onSuccess: after('snoozed') });
      },
    };
  };

  const undo = () => {
    if (!closed) return;
    actions.reopen.mutate(
      { farm: closed.farm, id: closed.id },
      {
        onSuccess: () => {
          completions.current.delete(closed.id);
          setClosed(undefined);
        },
      },
    );
  };

  const date = new Intl.DateTimeFormat(formatLocale(), { weekday: 'long', day: 'numeric', month: 'long' }).format(
    new Date(),
  );

  return (
    <Stack gap="md">
      <div>
        <Title order={1} fz={26}>
          {t('today.title')}
        </Title>
        <Text c="dimmed">{date}</Text>
      </div>
      <ErrorNotice error={today.error ?? error} />
      {closed && (
        <Alert color="field" variant="light" role="status" data-testid="closed-notice">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {t(`today.closed.${closed.how}`, { title: closed.title })}
            </Text>
            {closed.how !== 'snoozed' && closed.how !== 'queued' && (
              <Button
                size="lg"
                variant="subtle"
                leftSection={<IconArrowBackUp size={20} />}
                onClick={undo}
                disabled={busy}
                px="xs">
                {t('today.undo')}
              </Button>
            )}
          </Group>
        </Alert>
      )}
      {!groups.some((g) => g.farm.slug === farm.slug) && !today.error && (
        <Title order={2} fz={20}>
          {farm.name}
        </Title>
      )}
      {count === 0 && !today.error && <Empty title={t('today.emptyTitle')}>{t('today.emptyHint')}</Empty>}
      {groups.map((group) => (
        <Stack key={group.farm.id} gap="sm" data-testid={`today-farm-${group.farm.slug}`}>
          <Group justify="space-between" align="baseline">
            <Title order={2} fz={20}>
              {group.farm.name}
            </Title>
            <Text size="sm" c="dimmed">
              {t('today.count', { count: group.tasks.length })}
            </Text>
          </Group>
          {[...group.tasks].sort(byDue).map((task) => (
            <TaskCard
              key={task.id}
              task={task}
              farmSlug={group.farm.slug}
              day={group.day}
              timeZone={group.farm.time_zone}
              on={handlers(group, task)}
            />
          ))}
        </Stack>
      ))}
      {!today.error && (
        <Stack gap="sm" data-testid="today-start">
          <Button size="lg" variant={count ? 'default' : 'filled'} component={Link} to={`/farms/${farm.slug}/kits`}>
            {t('today.applyKit')}
          </Button>
          <Button size="lg" variant="default" component={Link} to={`/farms/${farm.slug}/plants`}>
            {t('today.startRun')}
          </Button>
        </Stack>
      )}
    </Stack>
  );
}
