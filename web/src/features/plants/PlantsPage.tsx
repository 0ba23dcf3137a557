import { Anchor, Badge, Button, Card, Group, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { usePlaces } from '../locations/api';
import { StartRunForm } from './StartRunForm';
import { speciesName, usePlants, useRuns, useSpeciesList } from './api';

const RUN_COLOUR = {
  planned: 'gray',
  active: 'field',
  harvesting: 'orange',
  completed: 'blue',
  cancelled: 'red',
} as const;

/** The farm's planting runs and plants, searched by name, label, species or place; start a run. */
export function PlantsPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const runs = useRuns(farm.slug);
  const plants = usePlants(farm.slug);
  const species = useSpeciesList(farm.slug);
  const places = usePlaces(farm.slug);
  const [q, setQ] = useState('');
  const [show, setShow] = useState<'runs' | 'plants'>('runs');
  const [starting, setStarting] = useState(false);
  const canRecord = can(farm.role, 'records.write');

  const nameOf = useMemo(() => {
    const byId = new Map((species.data ?? []).map((s) => [s.id, s]));
    return (id: string) => {
      const s = byId.get(id);
      return s ? speciesName(s, i18n.language) : '';
    };
  }, [species.data, i18n.language]);
  const placeOf = useMemo(() => {
    const byId = new Map((places.data ?? []).map((p) => [p.id, p.name]));
    return (id: string | null) => (id ? (byId.get(id) ?? '') : '');
  }, [places.data]);

  const needle = q.trim().toLowerCase();
  const matches = (...words: string[]) => !needle || words.some((w) => w.toLowerCase().includes(needle));
  const shownRuns = (runs.data ?? []).filter((r) =>
    matches(r.name, placeOf(r.location_id), ...r.entries.map((e) => nameOf(e.species_id))),
  );
  const shownPlants = (plants.data ?? []).filter((p) => matches(p.label, nameOf(p.species_id), placeOf(p.location_id)));

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} fz={26}>
          {t('plants.title')}
        </Title>
        <Anchor component={Link} to={`/farms/${farm.slug}/catalog`} size="lg" py="xs">
          {t('catalog.title')}
        </Anchor>
      </Group>
      {canRecord && !starting && (
        <Button size="lg" onClick={() => setStarting(true)}>
          {t('runs.start')}
        </Button>
      )}
      {starting && <StartRunForm onCancel={() => setStarting(false)} />}
      <TextInput
        size="lg"
        label={t('plants.search')}
        placeholder={t('plants.searchHint')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
      />
      <SegmentedControl
        fullWidth
        size="lg"
        value={show}
        onChange={(v) => setShow(v as 'runs' | 'plants')}
        data={[
          { value: 'runs', label: t('runs.title') },
          { value: 'plants', label: t('plants.plants') },
        ]}
      />
      <ErrorNotice error={runs.error ?? plants.error ?? species.error} />
      {(runs.isPending || plants.isPending) && <Loading />}
      {show === 'runs' && runs.data && (
        <Stack gap="xs">
          {shownRuns.length === 0 && <Empty title={needle ? t('plants.noMatch') : t('runs.empty')} />}
          {shownRuns.map((r) => (
            <Card
              key={r.id}
              withBorder
              component={Link}
              to={`/farms/${farm.slug}/runs/${r.id}`}
              data-testid="run"
              mih={48}>
              <Group justify="space-between" wrap="nowrap">
                <Text fw={700}>{r.name}</Text>
                <Badge color={RUN_COLOUR[r.status]}>{t(`runs.status.${r.status}`)}</Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {r.entries.map((e) => nameOf(e.species_id)).join(', ')}
                {r.location_id ? ` · ${placeOf(r.location_id)}` : ''} · {t('runs.plantCount', { count: r.plants })}
              </Text>
            </Card>
          ))}
        </Stack>
      )}
      {show === 'plants' && plants.data && (
        <Stack gap="xs">
          {shownPlants.length === 0 && <Empty title={needle ? t('plants.noMatch') : t('plants.empty')} />}
          {shownPlants.map((p) => (
            <Card
              key={p.id}
              withBorder
              component={Link}
              to={`/farms/${farm.slug}/plants/${p.id}`}
              data-testid="plant"
              mih={48}>
              <Group justify="space-between" wrap="nowrap">
                <Text fw={700}>{p.label}</Text>
                {p.phase && (
                  <Badge variant="light">{t(`phases.name.${p.phase.key}`, { defaultValue: p.phase.key })}</Badge>
                )}
              </Group>
              <Text size="sm" c="dimmed">
                {nameOf(p.species_id)}
                {p.location_id ? ` · ${placeOf(p.location_id)}` : ''}
                {p.phase?.days_in_phase != null ? ` · ${t('phases.days', { count: p.phase.days_in_phase })}` : ''}
              </Text>
            </Card>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
