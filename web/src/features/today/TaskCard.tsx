import { Anchor, Badge, Button, Card, Group, Menu, Modal, Stack, Text, TextInput } from '@mantine/core';
import {
  IconBasket,
  IconBucket,
  IconBug,
  IconCheck,
  IconChecklist,
  IconClockPause,
  IconDroplet,
  IconDropletHalf2,
  IconFlask,
  IconHexagons,
  IconMapPin,
  IconPlant2,
  IconPlayerSkipForward,
  IconSeeding,
  IconShovel,
  IconTimeline,
  type Icon,
} from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatLocale } from '../../components/time';
import type { Task } from './api';

export const KIND_ICONS: Record<Task['kind'], Icon> = {
  general: IconChecklist,
  water: IconDroplet,
  fertilize: IconFlask,
  repot: IconPlant2,
  pest_check: IconBug,
  humidity_check: IconDropletHalf2,
  location_check: IconMapPin,
  inspect_hive: IconHexagons,
  sow: IconSeeding,
  transplant: IconShovel,
  harvest: IconBasket,
  phase_check: IconTimeline,
  tank_maintenance: IconBucket,
};

/** The local day (YYYY-MM-DD) of a time in a time zone. */
export function dayIn(iso: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );
}

function dueWords(task: Task, day: string, timeZone: string, t: TFunction): string {
  const due = dayIn(task.due_at, timeZone);
  if (due < day) {
    const date = new Intl.DateTimeFormat(formatLocale(), { timeZone, day: 'numeric', month: 'short' }).format(
      new Date(task.due_at),
    );
    return t('today.dueOn', { date });
  }
  const time = new Intl.DateTimeFormat(formatLocale(), {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(task.due_at));
  // Due at the day's start: due today, at any time of it.
  return time === '00:00' ? t('today.dueToday') : t('today.dueAt', { time });
}

/** Where a task's "what it is about" opens, under the task's own farm. */
function aboutLinks(task: Task, base: string) {
  const out: Array<{ key: string; to: string; label: string }> = [];
  if (task.plant_id) out.push({ key: 'plant', to: `${base}/plants/${task.plant_id}`, label: 'tasks.about.plant' });
  if (task.run_id) out.push({ key: 'run', to: `${base}/runs/${task.run_id}`, label: 'tasks.about.run' });
  // A run's watering: confirm it with what was given (the log completes the task).
  if (task.run_id && task.kind === 'water' && task.status === 'open')
    out.push({ key: 'water', to: `${base}/runs/${task.run_id}/water?task=${task.id}`, label: 'tasks.about.water' });
  if (task.hive_id) out.push({ key: 'hive', to: `${base}/hives/${task.hive_id}`, label: 'tasks.about.hive' });
  if (task.location_id && !task.plant_id && !task.hive_id)
    out.push({ key: 'location', to: `${base}/locations`, label: 'tasks.about.location' });
  return out;
}

export interface TaskHandlers {
  done: () => void;
  skip: () => void;
  snooze: (body: { days: number } | { until: string }) => void;
  busy: boolean;
}

/** One task: its kind in an icon and words, what it is about, and Done / Skip / Snooze a tap each. */
export function TaskCard({
  task,
  farmSlug,
  day,
  timeZone,
  on,
}: {
  task: Task;
  farmSlug: string;
  day: string;
  timeZone: string;
  on: TaskHandlers;
}) {
  const { t } = useTranslation();
  const [picking, setPicking] = useState(false);
  const [date, setDate] = useState('');
  const KindIcon = KIND_ICONS[task.kind] ?? IconChecklist;
  const overdue = dayIn(task.due_at, timeZone) < day;
  const tomorrow = dayIn(new Date(Date.now() + 86_400_000), timeZone);

  return (
    <Card withBorder padding="sm" data-testid="task" data-task={task.id} data-kind={task.kind}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        <KindIcon size={32} stroke={1.6} aria-hidden style={{ flexShrink: 0, marginTop: 2 }} />
        <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
          <Group gap={6}>
            <Text size="sm" c="dimmed" fw={600}>
              {t(`tasks.kinds.${task.kind}`)}
            </Text>
            {overdue && (
              <Badge color="red" variant="light" data-testid="overdue">
                {t('today.overdue')}
              </Badge>
            )}
          </Group>
          <Text fw={700} size="lg" style={{ overflowWrap: 'anywhere' }}>
            {task.title}
          </Text>
          <Text size="sm" c={overdue ? 'red.8' : 'dimmed'}>
            {dueWords(task, day, timeZone, t)}
          </Text>
          {task.notes && (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {task.notes}
            </Text>
          )}
          <Group gap="xs">
            {aboutLinks(task, `/farms/${farmSlug}`).map((a) => (
              <Anchor key={a.key} component={Link} to={a.to} className="touch-link" fw={600}>
                {t(a.label)}
              </Anchor>
            ))}
          </Group>
        </Stack>
      </Group>
      <Stack gap="xs" mt="sm">
        <Button size="lg" color="field" leftSection={<IconCheck size={22} />} onClick={on.done} disabled={on.busy}>
          {t('tasks.done')}
        </Button>
        <Group gap="xs" grow wrap="nowrap">
          <Button
            size="lg"
            variant="default"
            leftSection={<IconPlayerSkipForward size={20} />}
            onClick={on.skip}
            disabled={on.busy}
            px="xs">
            {t('tasks.skip')}
          </Button>
          <Menu position="bottom-end" width={220}>
            <Menu.Target>
              <Button size="lg" variant="default" leftSection={<IconClockPause size={20} />} disabled={on.busy} px="xs">
                {t('tasks.snooze')}
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => on.snooze({ days: 1 })}>{t('tasks.snoozeDay')}</Menu.Item>
              <Menu.Item onClick={() => on.snooze({ days: 3 })}>{t('tasks.snoozeDays', { count: 3 })}</Menu.Item>
              <Menu.Item onClick={() => setPicking(true)}>{t('tasks.snoozeDate')}</Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Stack>
      <Modal opened={picking} onClose={() => setPicking(false)} title={t('tasks.snoozeUntil')} centered>
        <Stack>
          <TextInput
            type="date"
            size="lg"
            label={t('tasks.date')}
            min={tomorrow}
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
          />
          <Button
            size="lg"
            disabled={!date}
            onClick={() => {
              setPicking(false);
              on.snooze({ until: date });
            }}>
            {t('tasks.snooze')}
          </Button>
        </Stack>
      </Modal>
    </Card>
  );
}
