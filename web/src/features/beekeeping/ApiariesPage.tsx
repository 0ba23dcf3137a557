import {
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
  NumberInput,
  Select,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useDevices } from '../devices/api';
import { useFarm } from '../farms/FarmRoute';
import { useApiaries, useBeeActions, useHives, useInsights, type Apiary, type NewHive } from './api';
import { HiveCard } from './HiveCard';

const HIVE_TYPES: NonNullable<NewHive['hive_type']>[] = [
  'langstroth',
  'dadant',
  'national',
  'top_bar',
  'warre',
  'layens',
  'other',
];

/** The insight presets of an apiary: warnings worked out from its hives' scales and sensors. */
function InsightPresets({ farm, apiary, canEdit }: { farm: string; apiary: string; canEdit: boolean }) {
  const { t } = useTranslation();
  const { query, save } = useInsights(farm, apiary);
  if (!query.data) return <ErrorNotice error={query.error} />;
  const s = query.data;
  return (
    <Stack gap="xs">
      <Switch
        size="md"
        label={t('insights.swarm')}
        checked={s.swarm}
        disabled={!canEdit}
        onChange={(e) => save.mutate({ swarm: e.currentTarget.checked })}
      />
      <Switch
        size="md"
        label={t('insights.brood')}
        checked={s.brood_temperature}
        disabled={!canEdit}
        onChange={(e) => save.mutate({ brood_temperature: e.currentTarget.checked })}
      />
      <Switch
        size="md"
        label={t('insights.silent')}
        checked={s.silent_hours !== null}
        disabled={!canEdit}
        onChange={(e) => save.mutate({ silent_hours: e.currentTarget.checked ? 6 : null })}
      />
      <Switch
        size="md"
        label={t('insights.loss')}
        checked={s.daily_loss_kg !== null}
        disabled={!canEdit}
        onChange={(e) => save.mutate({ daily_loss_kg: e.currentTarget.checked ? 1 : null })}
      />
      <ErrorNotice error={save.error} />
    </Stack>
  );
}

function NewHiveForm({ farm, apiary, onDone }: { farm: string; apiary: Apiary; onDone: () => void }) {
  const { t } = useTranslation();
  const { createHive } = useBeeActions(farm);
  const devices = useDevices(farm);
  const [name, setName] = useState('');
  const [type, setType] = useState<NonNullable<NewHive['hive_type']>>('langstroth');
  const [scale, setScale] = useState<string | null>(null);
  const [boxes, setBoxes] = useState<number | string>(1);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    createHive.mutate(
      {
        name: name.trim(),
        apiary_id: apiary.id,
        hive_type: type,
        layout: { brood_boxes: Number(boxes) || 1 },
        ...(scale ? { device_id: scale } : {}),
      },
      { onSuccess: onDone },
    );
  };
  return (
    <Stack component="form" onSubmit={submit} gap="sm">
      <TextInput label={t('hives.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} />
      <Group grow wrap="wrap">
        <Select
          label={t('hives.type')}
          data={HIVE_TYPES.map((h) => ({ value: h, label: t(`hiveTypes.${h}`) }))}
          value={type}
          allowDeselect={false}
          onChange={(v) => v && setType(v as typeof type)}
        />
        <NumberInput label={t('hives.broodBoxes')} min={1} max={5} value={boxes} onChange={setBoxes} />
      </Group>
      <Select
        label={t('hives.scale')}
        clearable
        data={(devices.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
        value={scale}
        onChange={setScale}
      />
      <ErrorNotice error={createHive.error} />
      <Group>
        <Button type="submit" loading={createHive.isPending} disabled={!name.trim()}>
          {t('hives.add')}
        </Button>
        <Button variant="subtle" onClick={onDone}>
          {t('common.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

function ApiarySection({ farm, apiary, canEdit }: { farm: string; apiary: Apiary; canEdit: boolean }) {
  const { t } = useTranslation();
  const hives = useHives(farm);
  const [adding, setAdding] = useState(false);
  const [insights, setInsights] = useState(false);
  const mine = (hives.data ?? []).filter((h) => h.apiary_id === apiary.id);
  return (
    <Card withBorder data-testid={`apiary-${apiary.name}`}>
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={2} fz={20}>
            {apiary.name}
          </Title>
          <Text size="sm" c="dimmed">
            {t('apiaries.hiveCount', { count: apiary.hives })}
          </Text>
        </div>
        <Group gap="xs">
          <Button variant="subtle" size="md" onClick={() => setInsights((v) => !v)}>
            {t('insights.title')}
          </Button>
          {canEdit && !adding && (
            <Button variant="light" size="md" onClick={() => setAdding(true)}>
              {t('hives.add')}
            </Button>
          )}
        </Group>
      </Group>
      {insights && (
        <Card withBorder mb="sm">
          <InsightPresets farm={farm} apiary={apiary.id} canEdit={canEdit} />
        </Card>
      )}
      {adding && (
        <Card withBorder mb="sm">
          <NewHiveForm farm={farm} apiary={apiary} onDone={() => setAdding(false)} />
        </Card>
      )}
      {mine.length === 0 && !adding && <Text c="dimmed">{t('apiaries.noHives')}</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {mine.map((hive) => (
          <HiveCard key={hive.id} farm={farm} hive={hive} />
        ))}
      </SimpleGrid>
    </Card>
  );
}

/** Apiaries with their hives as cards; new apiaries and hives. */
export function ApiariesPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const apiaries = useApiaries(farm.slug);
  const { createApiary } = useBeeActions(farm.slug);
  const [name, setName] = useState('');
  const canEdit = can(farm.role, 'config.write');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    createApiary.mutate(name.trim(), { onSuccess: () => setName('') });
  };
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('apiaries.title')}
      </Title>
      {apiaries.isPending && <Loading />}
      <ErrorNotice error={apiaries.error} />
      {apiaries.data?.length === 0 && <Empty title={t('apiaries.empty')}>{t('apiaries.emptyHint')}</Empty>}
      {apiaries.data?.map((a) => (
        <ApiarySection key={a.id} farm={farm.slug} apiary={a} canEdit={canEdit} />
      ))}
      {canEdit && (
        <Card withBorder component="form" onSubmit={submit}>
          <Group align="end" wrap="wrap">
            <TextInput
              label={t('apiaries.new')}
              placeholder={t('apiaries.namePlaceholder')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              style={{ flex: 1, minWidth: 200 }}
            />
            <Button type="submit" loading={createApiary.isPending} disabled={!name.trim()}>
              {t('apiaries.add')}
            </Button>
          </Group>
          <ErrorNotice error={createApiary.error} />
        </Card>
      )}
    </Stack>
  );
}
