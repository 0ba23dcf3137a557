import { Badge, Button, Card, Group, NumberInput, Select, Stack, Stepper, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useCommands, useSendCommand, type Command, type CommandBody, type Device } from './api';

type Action = CommandBody['action'];
const ACTIONS: Action[] = ['on', 'off', 'toggle', 'set_value', 'set_angle', 'set_speed'];
const RANGE: Partial<Record<Action, [number, number]>> = {
  set_value: [0, 255],
  set_angle: [0, 180],
  set_speed: [0, 100],
};
const STEPS = ['queued', 'sent', 'executing', 'completed'] as const;
const FAILED = new Set(['failed', 'timeout', 'expired', 'cancelled']);

const statusColor = (status: string) => (status === 'completed' ? 'field' : FAILED.has(status) ? 'red' : 'yellow');

/** Where a command is on its way: queued → sent → executing → completed (or where it stopped). */
function CommandProgress({ command }: { command: Command }) {
  const { t } = useTranslation();
  const failed = FAILED.has(command.status);
  const reached = failed
    ? command.executing_at
      ? 2
      : command.sent_at
        ? 1
        : 0
    : STEPS.indexOf(command.status as (typeof STEPS)[number]);
  return (
    <Card withBorder data-testid="command" data-status={command.status}>
      <Group justify="space-between" wrap="nowrap">
        <Text fw={700}>
          {t(`actions.${command.action}`, { defaultValue: command.action })}
          {command.value !== null ? ` ${command.value}` : ''}
          {command.channel ? ` · ${command.channel}` : ''}
        </Text>
        <Badge color={statusColor(command.status)} variant={command.status === 'completed' ? 'filled' : 'light'}>
          {t(`commandStatus.${command.status}`)}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {timeAgo(command.queued_at)}
        {command.error ? ` · ${command.error}` : ''}
      </Text>
      <Stepper
        active={command.status === 'completed' ? STEPS.length : reached}
        size="xs"
        mt="xs"
        color={failed ? 'red' : 'field'}
        allowNextStepsSelect={false}>
        {STEPS.map((step) => (
          <Stepper.Step key={step} label={t(`commandStatus.${step}`)} />
        ))}
      </Stepper>
    </Card>
  );
}

/** Send a command to the device (or one of its channels) and watch it through to the end, live. */
export function Commands({ farm, device }: { farm: string; device: Device }) {
  const { t } = useTranslation();
  const commands = useCommands(farm, device.device_id);
  const send = useSendCommand(farm, device.device_id);
  const [action, setAction] = useState<Action>('on');
  const [channel, setChannel] = useState<string | null>(device.channels[0]?.name ?? null);
  const [value, setValue] = useState<number | string>(0);
  const [duration, setDuration] = useState<number | string>('');
  const range = RANGE[action];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.mutate({
      action,
      ...(channel ? { channel } : {}),
      ...(range ? { value: Number(value) } : {}),
      ...(duration !== '' && Number(duration) > 0 ? { duration_ms: Math.round(Number(duration) * 1000) } : {}),
    });
  };

  return (
    <Stack gap="md">
      <Card withBorder component="form" onSubmit={submit} noValidate>
        <Title order={2} fz={20} mb="sm">
          {t('commands.send')}
        </Title>
        <Stack gap="sm">
          {device.channels.length > 0 && (
            <Select
              label={t('commands.channel')}
              data={device.channels.map((c) => ({
                value: c.name,
                label: `${c.name} (${t(`channelKinds.${c.kind}`)})`,
              }))}
              value={channel}
              onChange={setChannel}
              clearable
            />
          )}
          <Select
            label={t('commands.action')}
            data={ACTIONS.map((a) => ({ value: a, label: t(`actions.${a}`) }))}
            value={action}
            allowDeselect={false}
            onChange={(v) => v && setAction(v as Action)}
            data-testid="command-action"
          />
          {range && (
            <NumberInput
              label={t('commands.value', { min: range[0], max: range[1] })}
              min={range[0]}
              max={range[1]}
              value={value}
              onChange={setValue}
            />
          )}
          <NumberInput
            label={t('commands.duration')}
            description={t('commands.durationHint')}
            min={0}
            value={duration}
            onChange={setDuration}
          />
          <ErrorNotice error={send.error} />
          <Button type="submit" loading={send.isPending}>
            {t('commands.submit')}
          </Button>
        </Stack>
      </Card>
      <Title order={2} fz={20}>
        {t('commands.recent')}
      </Title>
      {commands.isPending && <Loading />}
      <ErrorNotice error={commands.error} />
      {commands.data?.length === 0 && <Text c="dimmed">{t('commands.none')}</Text>}
      {commands.data?.map((command) => (
        <CommandProgress key={command.id} command={command} />
      ))}
    </Stack>
  );
}
