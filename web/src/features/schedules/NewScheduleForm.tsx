import {
  Button,
  Card,
  Chip,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ErrorNotice } from '../../components/states';
import { useDevices, useLatest } from '../devices/api';
import { useScheduleActions, type ConditionTest, type NewSchedule } from './api';

type Kind = NewSchedule['kind'];
type Action = NewSchedule['action'];
const ACTIONS: Action[] = ['on', 'off', 'toggle', 'set_value'];
const DAYS = ['1', '2', '3', '4', '5', '6', '0'] as const; // Monday first, cron numbering
const OPERATORS: ConditionTest['operator'][] = ['>', '>=', '<', '<='];

/** "every day at 06:30" (or on some weekdays) → a cron expression in the farm's time zone. */
export function cronFor(time: string, days: string[]): string {
  const [hour = '0', minute = '0'] = time.split(':');
  const dow = days.length === 0 || days.length === 7 ? '*' : [...days].sort().join(',');
  return `${Number(minute)} ${Number(hour)} * * ${dow}`;
}

/** A new schedule of any kind, in words a farmer uses; each kind explains itself. */
export function NewScheduleForm({ farm, onDone }: { farm: string; onDone: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const devices = useDevices(farm);
  const { create } = useScheduleActions(farm);
  const [kind, setKind] = useState<Kind>('time');
  const [name, setName] = useState('');
  const [device, setDevice] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [action, setAction] = useState<Action>('on');
  const [value, setValue] = useState<number | string>(128);
  const [priority, setPriority] = useState<number | string>(0);
  // time
  const [at, setAt] = useState('06:00');
  const [days, setDays] = useState<string[]>([...DAYS]);
  // duration
  const [onMin, setOnMin] = useState<number | string>(5);
  const [offMin, setOffMin] = useState<number | string>(120);
  const [windowStart, setWindowStart] = useState('06:00');
  const [windowEnd, setWindowEnd] = useState('18:00');
  // condition
  const [sensor, setSensor] = useState<string | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const [operator, setOperator] = useState<ConditionTest['operator']>('>');
  const [threshold, setThreshold] = useState<number | string>(30);
  const [forS, setForS] = useState<number | string>(60);
  const [hysteresis, setHysteresis] = useState<number | string>(1);
  const [holdS, setHoldS] = useState<number | string>(300);

  const target = devices.data?.find((d) => d.device_id === device);
  const sensorMetrics = useLatest(farm, sensor ?? '', !!sensor);
  const controllers = (devices.data ?? [])
    .filter((d) => d.type !== 'manual')
    .map((d) => ({ value: d.device_id, label: d.name }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!device) return;
    const base = {
      name: name.trim(),
      device,
      channel: channel ?? null,
      action,
      ...(action === 'set_value' ? { value: Number(value) } : {}),
      priority: Number(priority) || 0,
    };
    const body: NewSchedule =
      kind === 'time'
        ? { ...base, kind, cron: cronFor(at, days) }
        : kind === 'duration'
          ? {
              ...base,
              kind,
              on_s: Math.round(Number(onMin) * 60),
              off_s: Math.round(Number(offMin) * 60),
              window: { start: windowStart, end: windowEnd },
            }
          : {
              ...base,
              kind,
              condition: {
                all: [
                  { device: sensor!, metric: metric!, operator, value: Number(threshold), for_s: Number(forS) || 0 },
                ],
              },
              hysteresis: Number(hysteresis) || 0,
              min_hold_s: Number(holdS) || 0,
            };
    create.mutate(body, { onSuccess: (schedule) => void navigate(schedule.id) });
  };

  return (
    <Card withBorder component="form" onSubmit={submit} noValidate>
      <Title order={2} fz={20} mb="sm">
        {t('schedules.new')}
      </Title>
      <Stack gap="sm">
        <SegmentedControl
          fullWidth
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data-testid="schedule-kind"
          data={(['time', 'duration', 'condition'] as const).map((k) => ({ value: k, label: t(`scheduleKinds.${k}`) }))}
        />
        <Text size="sm" c="dimmed">
          {t(`scheduleKindHints.${kind}`)}
        </Text>
        <TextInput
          label={t('schedules.name')}
          placeholder={t('schedules.namePlaceholder')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label={t('schedules.device')}
          data={controllers}
          value={device}
          onChange={(v) => {
            setDevice(v);
            setChannel(null);
          }}
          searchable
        />
        {!!target?.channels.length && (
          <Select
            label={t('commands.channel')}
            data={target.channels.map((c) => ({ value: c.name, label: `${c.name} (${t(`channelKinds.${c.kind}`)})` }))}
            value={channel}
            onChange={setChannel}
            clearable
          />
        )}
        <Group grow wrap="wrap">
          <Select
            label={t('commands.action')}
            data={ACTIONS.map((a) => ({ value: a, label: t(`actions.${a}`) }))}
            value={action}
            allowDeselect={false}
            onChange={(v) => v && setAction(v as Action)}
          />
          {action === 'set_value' && (
            <NumberInput
              label={t('commands.value', { min: 0, max: 255 })}
              min={0}
              max={255}
              value={value}
              onChange={setValue}
            />
          )}
        </Group>

        {kind === 'time' && (
          <>
            <TextInput
              label={t('schedules.everyDayAt')}
              type="time"
              value={at}
              onChange={(e) => setAt(e.currentTarget.value)}
            />
            <Chip.Group multiple value={days} onChange={setDays}>
              <Group gap={6}>
                {DAYS.map((d) => (
                  <Chip key={d} value={d} size="md">
                    {t(`weekdays.${d}`)}
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
          </>
        )}
        {kind === 'duration' && (
          <>
            <Group grow wrap="wrap">
              <NumberInput
                label={t('schedules.onMinutes')}
                min={0.1}
                decimalScale={2}
                value={onMin}
                onChange={setOnMin}
              />
              <NumberInput
                label={t('schedules.offMinutes')}
                min={0.1}
                decimalScale={2}
                value={offMin}
                onChange={setOffMin}
              />
            </Group>
            <Group grow wrap="wrap">
              <TextInput
                label={t('schedules.windowStart')}
                type="time"
                value={windowStart}
                onChange={(e) => setWindowStart(e.currentTarget.value)}
              />
              <TextInput
                label={t('schedules.windowEnd')}
                type="time"
                value={windowEnd}
                onChange={(e) => setWindowEnd(e.currentTarget.value)}
              />
            </Group>
          </>
        )}
        {kind === 'condition' && (
          <>
            <Select
              label={t('schedules.when')}
              data={(devices.data ?? []).map((d) => ({ value: d.device_id, label: d.name }))}
              value={sensor}
              onChange={(v) => {
                setSensor(v);
                setMetric(null);
              }}
              searchable
            />
            <SimpleGrid cols={{ base: 1, xs: 3 }}>
              <Select
                label={t('rules.metric')}
                data={(sensorMetrics.data ?? []).map((m) => ({
                  value: m.metric,
                  label: t(`metrics.${m.metric}`, { defaultValue: m.metric }),
                }))}
                value={metric}
                onChange={setMetric}
                disabled={!sensor}
                placeholder={sensor && sensorMetrics.data?.length === 0 ? t('schedules.noMetrics') : undefined}
              />
              <Select
                label={t('rules.operator')}
                data={OPERATORS.map((o) => ({ value: o, label: t(`operators.${o}`) }))}
                value={operator}
                allowDeselect={false}
                onChange={(v) => v && setOperator(v as ConditionTest['operator'])}
              />
              <NumberInput label={t('rules.value')} value={threshold} onChange={setThreshold} decimalScale={2} />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, xs: 3 }}>
              <NumberInput label={t('schedules.forSeconds')} min={0} value={forS} onChange={setForS} />
              <NumberInput
                label={t('schedules.hysteresis')}
                min={0}
                decimalScale={2}
                value={hysteresis}
                onChange={setHysteresis}
              />
              <NumberInput label={t('schedules.holdSeconds')} min={0} value={holdS} onChange={setHoldS} />
            </SimpleGrid>
            <Text size="sm" c="dimmed">
              {t('schedules.conditionHint')}
            </Text>
          </>
        )}
        <NumberInput
          label={t('schedules.priority')}
          description={t('schedules.priorityHint')}
          value={priority}
          onChange={setPriority}
        />
        <ErrorNotice error={create.error} />
        <Group>
          <Button
            type="submit"
            loading={create.isPending}
            disabled={!name.trim() || !device || (kind === 'condition' && (!sensor || !metric))}>
            {t('schedules.create')}
          </Button>
          <Button variant="subtle" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
