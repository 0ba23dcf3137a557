import { Anchor, Badge, Button, Card, Group, Progress, Select, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { newId } from '../../components/ids';
import { ProceedWithReason } from '../../components/ProceedWithReason';
import { useResend } from '../../components/resend';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { usePlaces } from '../locations/api';
import { PlaceTargets } from './PlaceTargets';
import {
  speciesName,
  useCare,
  useEnvironment,
  useGdd,
  useLineage,
  usePlant,
  usePlantActions,
  usePlantHistory,
  useSpecies,
  type Environment,
  type History,
  type Phase,
  type Plant,
} from './api';

const LEVEL_COLOUR = { low: 'blue', optimal: 'field', high: 'red' } as const;
const URGENCY_COLOUR = { overdue: 'red', due_today: 'orange', upcoming: 'yellow', later: 'gray' } as const;

/** The species' phases in order: done ones with their dates, the current one, the ones to come. */
export function PhaseTimeline({ phases, history, current }: { phases: Phase[]; history: History[]; current?: string }) {
  const { t } = useTranslation();
  const latest = new Map<string, History>();
  for (const h of history) latest.set(h.phase, h);
  const at = phases.findIndex((p) => p.key === current);
  return (
    <Stack gap={6} data-testid="phase-timeline">
      {phases.map((p, i) => {
        const h = latest.get(p.key);
        const state = i === at ? 'current' : i < at ? 'done' : 'next';
        return (
          <Group key={p.id} gap="xs" wrap="nowrap" data-testid={`phase-${p.key}`} data-state={state}>
            <Badge
              w={28}
              h={28}
              p={0}
              radius="xl"
              color={state === 'current' ? 'field' : 'gray'}
              variant={state === 'next' ? 'outline' : 'filled'}>
              {i + 1}
            </Badge>
            <div>
              <Text fw={state === 'current' ? 700 : 500}>{t(`phases.name.${p.key}`, { defaultValue: p.key })}</Text>
              <Text size="xs" c="dimmed">
                {h && state !== 'next'
                  ? h.exited_at
                    ? t('phases.fromTo', {
                        from: h.entered_at.slice(0, 10),
                        to: h.exited_at.slice(0, 10),
                        count: h.duration_days ?? 0,
                      })
                    : t('phases.since', { from: h.entered_at.slice(0, 10) })
                  : p.days !== null
                    ? t('phases.typical', { count: p.days })
                    : ''}
                {p.gdd !== null ? ` · ${t('phases.gddRule', { gdd: p.gdd })}` : ''}
              </Text>
            </div>
          </Group>
        );
      })}
    </Stack>
  );
}

/** A phase move as the pages send it: `force` with a reason moves back (a manager's call). */
export interface PhaseMove {
  id: string;
  to: string;
  force?: boolean;
  reason?: string;
}

/**
 * Move a plant (or a whole run) to another phase; a refused move shows the server's reason. A move back is
 * refused unless forced: a manager sees a reason field and "Move back anyway" for a target behind the
 * current phase, and the forced move is recorded with that reason.
 */
export function ChangePhase({
  phases,
  current,
  move,
  canForce = false,
}: {
  phases: Phase[];
  current?: string;
  move: {
    mutate: (v: PhaseMove, o?: { onSuccess?: () => void; onSettled?: (data: unknown, error: unknown) => void }) => void;
    isPending: boolean;
    error: unknown;
    reset: () => void;
  };
  canForce?: boolean;
}) {
  const { t } = useTranslation();
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const resend = useResend<PhaseMove>();
  const at = phases.findIndex((p) => p.key === current);
  const next = phases[at + 1];
  const target = to ?? next?.key;
  const backward = target !== undefined && at >= 0 && phases.findIndex((p) => p.key === target) < at;
  const send = (force: boolean) => {
    // A tap again after a lost answer resends the same move (stored once), not a second one.
    const body = resend.body(`${target}|${force}|${reason.trim()}`, () => ({
      id: newId(),
      to: target!,
      ...(force ? { force: true, reason: reason.trim() } : {}),
    }));
    move.mutate(body, {
      onSettled: (_, error) => resend.settled(error),
      onSuccess: () => {
        setTo(null);
        setReason('');
      },
    });
  };
  return (
    <Stack gap="xs" data-testid="change-phase">
      <Select
        label={t('phases.moveTo')}
        size="lg"
        data={phases
          .filter((p) => p.key !== current)
          .map((p) => ({ value: p.key, label: t(`phases.name.${p.key}`, { defaultValue: p.key }) }))}
        value={target ?? null}
        onChange={(v) => {
          move.reset();
          setTo(v);
        }}
      />
      <Button size="lg" loading={move.isPending} disabled={!target} onClick={() => send(false)}>
        {t('phases.move')}
      </Button>
      <ErrorNotice error={move.error} />
      {backward && canForce && (
        <ProceedWithReason
          hint={t('phases.forceHint')}
          label={t('phases.forceReason')}
          action={t('phases.forceBack')}
          reason={reason}
          onReason={setReason}
          pending={move.isPending}
          onProceed={() => send(true)}
          testId="force-back"
        />
      )}
    </Stack>
  );
}

function Reading({
  label,
  m,
  unit,
}: {
  label: string;
  m: { value: number; target: { min: number; max: number } | null; level: 'low' | 'optimal' | 'high' | null } | null;
  unit: string;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap" data-testid="env-reading">
      <div>
        <Text fw={600}>{label}</Text>
        <Text size="xs" c="dimmed">
          {m?.target
            ? t('plants.env.target', { min: m.target.min, max: m.target.max, unit })
            : t('plants.env.noTarget')}
        </Text>
      </div>
      <Group gap="xs" wrap="nowrap">
        <Text fw={700}>{m ? `${m.value.toFixed(1)} ${unit}` : '—'}</Text>
        {m?.level && <Badge color={LEVEL_COLOUR[m.level]}>{t(`plants.level.${m.level}`)}</Badge>}
      </Group>
    </Group>
  );
}

function EnvironmentCard({ env }: { env: Environment }) {
  const { t } = useTranslation();
  const none = !env.temperature && !env.humidity;
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('plants.env.title')}
      </Title>
      {none ? (
        <Text c="dimmed">{t('plants.env.none')}</Text>
      ) : (
        <Stack gap="xs">
          <Reading label={t('plants.env.temperature')} m={env.temperature} unit="°C" />
          <Reading label={t('plants.env.humidity')} m={env.humidity} unit="%" />
          <Reading label={t('plants.env.vpd')} m={env.vpd ? { ...env.vpd } : null} unit="kPa" />
          {env.temperature && (
            <Text size="xs" c="dimmed">
              {t('plants.env.at', { time: new Date(env.temperature.ts).toLocaleString() })}
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

function GddCard({ farm, plant, next }: { farm: string; plant: string; next?: Phase }) {
  const { t } = useTranslation();
  const gdd = useGdd(farm, plant);
  if (!gdd.data) return <ErrorNotice error={gdd.error} />;
  const g = gdd.data;
  const share = g.threshold ? Math.min(100, (g.total / g.threshold) * 100) : null;
  return (
    <Card withBorder data-testid="gdd">
      <Title order={2} fz={20} mb="xs">
        {t('plants.gdd.title')}
      </Title>
      {g.problem ? (
        <Text c="dimmed">
          {g.phase === null ? t('plants.gdd.noPhase') : g.sensor === null ? t('plants.gdd.noSensor') : g.problem}
        </Text>
      ) : (
        <Stack gap="xs">
          <Text>
            {g.threshold
              ? t('plants.gdd.progress', { total: Math.round(g.total), threshold: g.threshold })
              : t('plants.gdd.total', { total: Math.round(g.total) })}
          </Text>
          {share !== null && <Progress value={share} size="lg" aria-label={t('plants.gdd.title')} />}
          {next && g.threshold && (
            <Text size="sm" c="dimmed">
              {t('plants.gdd.toNext', {
                left: Math.max(0, Math.round(g.threshold - g.total)),
                phase: t(`phases.name.${next.key}`, { defaultValue: next.key }),
              })}
            </Text>
          )}
          <Text size="sm" c="dimmed">
            {t('plants.gdd.base', { base: g.base_temp_c, from: g.from ?? '—', days: g.days.length })}
          </Text>
          {g.missing.length > 0 && (
            <Text size="sm" c="orange.8" data-testid="gdd-missing">
              {t('plants.gdd.missing', { count: g.missing.length, days: g.missing.join(', ') })}
            </Text>
          )}
        </Stack>
      )}
    </Card>
  );
}

function CareCard({ farm, plant }: { farm: string; plant: string }) {
  const { t } = useTranslation();
  const care = useCare(farm, plant);
  if (!care.data) return <ErrorNotice error={care.error} />;
  const c = care.data;
  return (
    <Card withBorder data-testid="care">
      <Title order={2} fz={20} mb="xs">
        {t('plants.care.title')}
      </Title>
      <Text size="sm">
        {t(`catalog.preset.${c.preset}`)} ·{' '}
        {c.cared_for ? t('plants.care.since', { date: c.started_on }) : t('plants.care.defaults')}
      </Text>
      <Text size="sm">
        {t('plants.care.water', { count: c.effective.water_interval_days })}
        {c.effective.winter ? ` · ${t('plants.care.winter', { factor: c.effective.winter_factor })}` : ''}
        {c.effective.learned_water_interval_days
          ? ` · ${t('plants.care.learned', { count: c.effective.learned_water_interval_days })}`
          : ''}
      </Text>
      {c.effective.quiet && (
        <Text size="sm" c="dimmed">
          {t('plants.care.quiet')}
        </Text>
      )}
      {!c.enabled && (
        <Text size="sm" c="dimmed">
          {t('plants.care.off')}
        </Text>
      )}
      <Stack gap={4} mt="xs">
        {c.reminders.map((r) => (
          <Group key={r.kind} justify="space-between" wrap="nowrap">
            <Text size="sm">{t(`plants.care.kind.${r.kind}`)}</Text>
            <Group gap={6} wrap="nowrap">
              <Text size="sm">{r.due_on}</Text>
              <Badge color={URGENCY_COLOUR[r.urgency]}>{t(`plants.care.urgency.${r.urgency}`)}</Badge>
            </Group>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

function LineageCard({ farm, plant }: { farm: string; plant: Plant }) {
  const { t } = useTranslation();
  const up = useLineage(farm, plant.id, 'ancestors');
  const down = useLineage(farm, plant.id, 'descendants');
  const link = (p: Plant, depth: number) => (
    <Anchor key={p.id} component={Link} to={`/farms/${farm}/plants/${p.id}`} py={10} display="block">
      {'· '.repeat(depth - 1)}
      {p.label}
    </Anchor>
  );
  return (
    <Card withBorder data-testid="lineage">
      <Title order={2} fz={20} mb="xs">
        {t('plants.lineage.title')}
      </Title>
      <ErrorNotice error={up.error ?? down.error} />
      <Text fw={600}>{t('plants.lineage.mothers')}</Text>
      {up.data?.data.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('plants.lineage.noMother')}
        </Text>
      )}
      {up.data?.data.map((l) => link(l.plant, l.depth))}
      <Text fw={600} mt="xs">
        {t('plants.lineage.clones')}
      </Text>
      {down.data?.data.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('plants.lineage.noClones')}
        </Text>
      )}
      {down.data?.data.map((l) => link(l.plant, l.depth))}
    </Card>
  );
}

/** A plant: its phases, days in phase, GDD, environment against its phase, care, lineage, its place's targets. */
export function PlantPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const { plant: ref = '' } = useParams();
  const plant = usePlant(farm.slug, ref);
  const id = plant.data?.id ?? ref;
  const species = useSpecies(farm.slug, plant.data?.species_id);
  const history = usePlantHistory(farm.slug, id);
  const env = useEnvironment(farm.slug, id);
  const places = usePlaces(farm.slug);
  const { movePlant } = usePlantActions(farm.slug);
  const canRecord = can(farm.role, 'records.write');
  if (plant.isPending) return <Loading />;
  if (!plant.data) return <ErrorNotice error={plant.error} />;
  const p = plant.data;
  const phases = species.data?.sequence.phases ?? [];
  const at = phases.findIndex((x) => x.key === p.phase?.key);
  const place = places.data?.find((x) => x.id === p.location_id);
  const move = {
    mutate: (v: PhaseMove, o?: { onSuccess?: () => void; onSettled?: (data: unknown, error: unknown) => void }) =>
      movePlant.mutate({ plant: p.id, ...v }, o),
    isPending: movePlant.isPending,
    error: movePlant.error,
    reset: movePlant.reset,
  };
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/plants`} size="sm" py={12}>
        ← {t('plants.title')}
      </Anchor>
      <div>
        <Title order={1} fz={26}>
          {p.label}
        </Title>
        <Text c="dimmed">
          {species.data && (
            <Anchor component={Link} to={`/farms/${farm.slug}/catalog/${species.data.id}`}>
              {speciesName(species.data, i18n.language)}
            </Anchor>
          )}
          {place ? ` · ${place.name}` : ''} · {t('plants.plantedOn', { date: p.planted_on })}
          {p.removed_on ? ` · ${t('plants.removedOn', { date: p.removed_on })}` : ''}
        </Text>
        {p.run_id && (
          <Anchor component={Link} to={`/farms/${farm.slug}/runs/${p.run_id}`} py={12} display="block">
            {t('plants.openRun')}
          </Anchor>
        )}
      </div>
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} fz={20}>
            {t('phases.title')}
          </Title>
          {p.phase && (
            <Badge size="lg" data-testid="current-phase" data-phase={p.phase.key}>
              {t(`phases.name.${p.phase.key}`, { defaultValue: p.phase.key })}
            </Badge>
          )}
        </Group>
        {p.phase?.days_in_phase != null && (
          <Text mb="xs" data-testid="days-in-phase">
            {t('phases.daysIn', { count: p.phase.days_in_phase })}
            {phases[at]?.days ? ` · ${t('phases.typical', { count: phases[at].days })}` : ''}
          </Text>
        )}
        <ErrorNotice error={species.error ?? history.error} />
        <PhaseTimeline phases={phases} history={history.data ?? []} current={p.phase?.key} />
        {canRecord && !p.removed_on && phases.length > 0 && (
          <Stack mt="md">
            <ChangePhase phases={phases} current={p.phase?.key} move={move} canForce={can(farm.role, 'config.write')} />
          </Stack>
        )}
      </Card>
      {canRecord && (
        <Stack gap="xs">
          <Button component={Link} to={`/farms/${farm.slug}/harvests/new?plant=${p.id}`} size="lg" variant="light">
            {t('plants.harvest')}
          </Button>
          <Button component={Link} to={`/farms/${farm.slug}/protection/new?plant=${p.id}`} size="lg" variant="light">
            {t('plants.protect')}
          </Button>
        </Stack>
      )}
      <GddCard farm={farm.slug} plant={p.id} next={phases[at + 1]} />
      {env.data ? <EnvironmentCard env={env.data} /> : <ErrorNotice error={env.error} />}
      <PlaceTargets location={p.location_id} />
      <CareCard farm={farm.slug} plant={p.id} />
      <LineageCard farm={farm.slug} plant={p} />
    </Stack>
  );
}
