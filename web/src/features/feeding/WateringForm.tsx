import {
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { newId } from '../../components/ids';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import {
  useLogWatering,
  useRun,
  useWateringLogs,
  useWateringSuggestion,
  type NewWateringLog,
  type WateringLog,
} from './api';

type Num = number | string;
type Channel = NonNullable<NewWateringLog['channel']>;
const CHANNELS: Channel[] = ['fertigation', 'drench', 'foliar', 'top_dress'];

/**
 * A watering (or a feeding) confirmed with what was given: the litres (the suggestion filled in), and the
 * EC, pH and water temperature when measured. With a task it completes that task. The id is made here,
 * so a resend is stored once.
 */
export function WateringForm({
  farm,
  run,
  task,
  onDone,
}: {
  farm: string;
  run: string;
  task?: string;
  onDone?: (log: WateringLog) => void;
}) {
  const { t } = useTranslation();
  const suggestion = useWateringSuggestion(farm, run);
  const log = useLogWatering(farm, run);
  const [id] = useState(newId);
  const [volume, setVolume] = useState<Num | null>(null);
  const [channel, setChannel] = useState<Channel | null>(null);
  const [ec, setEc] = useState<Num>('');
  const [ph, setPh] = useState<Num>('');
  const [temp, setTemp] = useState<Num>('');
  const [note, setNote] = useState('');
  const litres = volume ?? (suggestion.data ? suggestion.data.total_l : '');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (litres === '' || Number(litres) <= 0) return;
    log.mutate(
      {
        id,
        run_id: run,
        ...(task ? { task_id: task } : {}),
        ...(channel ? { channel } : {}),
        volume_l: Number(litres),
        ...(ec !== '' ? { ec: Number(ec) } : {}),
        ...(ph !== '' ? { ph: Number(ph) } : {}),
        ...(temp !== '' ? { water_temp_c: Number(temp) } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      },
      { onSuccess: (saved) => onDone?.(saved) },
    );
  };
  if (log.data)
    return (
      <Alert color="green" variant="light" role="status" data-testid="watering-saved">
        {t(log.data.kind === 'feeding' ? 'feeding.water.savedFeeding' : 'feeding.water.saved', {
          volume: log.data.volume_l,
        })}
      </Alert>
    );
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate data-testid="watering-form">
      <Stack gap="sm">
        {suggestion.data && (
          <Text size="sm" c="dimmed" data-testid="watering-suggestion">
            {t('feeding.water.suggestion', {
              total: suggestion.data.total_l,
              perPlant: suggestion.data.per_plant_l,
              plants: suggestion.data.plants,
            })}
          </Text>
        )}
        <NumberInput
          label={t('feeding.water.volume')}
          min={0.1}
          decimalScale={2}
          value={litres}
          onChange={setVolume}
          inputMode="decimal"
        />
        <Select
          label={t('feeding.water.channel')}
          placeholder={t('feeding.water.channelDefault')}
          data={CHANNELS.map((c) => ({ value: c, label: t(`feeding.channels.${c}`) }))}
          value={channel}
          onChange={(v) => setChannel(v as Channel | null)}
          clearable
        />
        <SimpleGrid cols={3}>
          <NumberInput label={t('feeding.water.ec')} min={0} max={20} decimalScale={2} value={ec} onChange={setEc} />
          <NumberInput label={t('feeding.water.ph')} min={0} max={14} decimalScale={1} value={ph} onChange={setPh} />
          <NumberInput
            label={t('feeding.water.temp')}
            min={-5}
            max={60}
            decimalScale={1}
            value={temp}
            onChange={setTemp}
          />
        </SimpleGrid>
        <TextInput label={t('feeding.water.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <ErrorNotice error={log.error ?? suggestion.error} />
        <Button type="submit" loading={log.isPending} disabled={litres === '' || Number(litres) <= 0}>
          {t('feeding.water.confirm')}
        </Button>
      </Stack>
    </Card>
  );
}

/** The run's last waterings, newest first. */
function RecentWaterings({ farm, run }: { farm: string; run: string }) {
  const { t } = useTranslation();
  const logs = useWateringLogs(farm, run);
  if (!logs.data?.length) return null;
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="sm">
        {t('feeding.water.recent')}
      </Title>
      <Stack gap={6}>
        {logs.data.map((l) => (
          <Group key={l.id} justify="space-between" wrap="nowrap" data-testid="watering-log">
            <Text size="sm">{new Date(l.at).toLocaleString()}</Text>
            <Text size="sm" fw={600}>
              {t(l.kind === 'feeding' ? 'feeding.water.logFeeding' : 'feeding.water.logWatering', {
                volume: l.volume_l,
              })}
              {l.ec !== null && ` · EC ${l.ec}`}
            </Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** `runs/:run/water?task=`: confirm a watering task of a run (opened from Today or the run's page). */
export function WaterPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { run = '' } = useParams();
  const [search] = useSearchParams();
  const task = search.get('task') ?? undefined;
  const runQuery = useRun(farm.slug, run);
  if (runQuery.isPending) return <Loading />;
  if (!runQuery.data) return <ErrorNotice error={runQuery.error} />;
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('feeding.water.title', { run: runQuery.data.name })}
      </Title>
      <WateringForm farm={farm.slug} run={run} task={task} />
      <RecentWaterings farm={farm.slug} run={run} />
      <Group>
        <Button component={Link} to={`/farms/${farm.slug}/runs/${run}`} variant="subtle">
          {t('feeding.water.toRun')}
        </Button>
      </Group>
    </Stack>
  );
}
