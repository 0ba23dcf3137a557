import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { usePlaces } from '../locations/api';
import { ChangePhase, PhaseTimeline, type PhaseMove } from './PlantPage';
import { PlaceTargets } from './PlaceTargets';
import { speciesName, usePlantActions, usePlants, useRun, useSpecies } from './api';

/** A planting run: what and where, its plants (each to its page), its phase moved for all at once. */
export function RunPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const { run: id = '' } = useParams();
  const run = useRun(farm.slug, id);
  const plants = usePlants(farm.slug, id);
  const entry = run.data?.entries[0];
  const species = useSpecies(farm.slug, entry?.species_id);
  const places = usePlaces(farm.slug);
  const { moveRun } = usePlantActions(farm.slug);
  const canRecord = can(farm.role, 'records.write');
  if (run.isPending) return <Loading />;
  if (!run.data) return <ErrorNotice error={run.error} />;
  const r = run.data;
  const place = places.data?.find((p) => p.id === r.location_id);
  const phases = species.data?.sequence.phases ?? [];
  // The phase most of its plants are in.
  const counts = new Map<string, number>();
  for (const p of plants.data ?? []) if (p.phase) counts.set(p.phase.key, (counts.get(p.phase.key) ?? 0) + 1);
  const current = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const move = {
    mutate: (v: PhaseMove, o?: { onSuccess?: () => void; onSettled?: (data: unknown, error: unknown) => void }) =>
      moveRun.mutate({ run: r.id, ...v }, o),
    isPending: moveRun.isPending,
    error: moveRun.error,
    reset: moveRun.reset,
  };
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/plants`} size="sm" py={12}>
        ← {t('plants.title')}
      </Anchor>
      <div>
        <Group justify="space-between">
          <Title order={1} fz={26}>
            {r.name}
          </Title>
          <Badge size="lg" data-testid="run-status">
            {t(`runs.status.${r.status}`)}
          </Badge>
        </Group>
        <Text c="dimmed">
          {species.data && (
            <Anchor component={Link} to={`/farms/${farm.slug}/catalog/${species.data.id}`}>
              {speciesName(species.data, i18n.language)}
            </Anchor>
          )}
          {entry ? ` · ${t('runs.plantCount', { count: entry.quantity })}` : ''}
          {place ? ` · ${place.name}` : ''}
          {r.started_at ? ` · ${t('runs.startedOn', { date: r.started_at.slice(0, 10) })}` : ''}
        </Text>
      </div>
      {phases.length > 0 && (
        <Card withBorder>
          <Title order={2} fz={20} mb="xs">
            {t('phases.title')}
          </Title>
          <PhaseTimeline phases={phases} history={[]} current={current} />
          {canRecord && r.status !== 'completed' && r.status !== 'cancelled' && (plants.data?.length ?? 0) > 0 && (
            <Stack mt="md">
              <Text size="sm" c="dimmed">
                {t('runs.moveAll')}
              </Text>
              <ChangePhase phases={phases} current={current} move={move} canForce={can(farm.role, 'config.write')} />
            </Stack>
          )}
        </Card>
      )}
      {canRecord && (
        <Stack gap="xs">
          <Button component={Link} to={`/farms/${farm.slug}/harvests/new?run=${r.id}`} size="lg" variant="light">
            {t('plants.harvest')}
          </Button>
          <Button component={Link} to={`/farms/${farm.slug}/protection/new?run=${r.id}`} size="lg" variant="light">
            {t('plants.protect')}
          </Button>
        </Stack>
      )}
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('plants.plants')}
        </Title>
        <ErrorNotice error={plants.error} />
        {plants.data?.length === 0 && <Text c="dimmed">{t('runs.noPlants')}</Text>}
        <Stack gap={0}>
          {plants.data?.map((p) => (
            <Anchor
              key={p.id}
              component={Link}
              to={`/farms/${farm.slug}/plants/${p.id}`}
              py={12}
              data-testid="run-plant">
              {p.label}
              {p.phase ? ` · ${t(`phases.name.${p.phase.key}`, { defaultValue: p.phase.key })}` : ''}
            </Anchor>
          ))}
        </Stack>
      </Card>
      <PlaceTargets location={r.location_id} />
      {r.notes && <Text>{r.notes}</Text>}
    </Stack>
  );
}
