import {
  Alert,
  Button,
  Card,
  Chip,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { newId } from '../../components/ids';
import { useResend } from '../../components/resend';
import { Empty, ErrorNotice } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import {
  targetOf,
  useHarvestActions,
  usePreHarvestCheck,
  type Gate,
  type Harvest,
  type NewHarvest,
  type NewQuality,
  type Target,
} from './api';
import { TargetHeading } from './TargetHeading';

type Num = number | string;
const today = () => new Date().toLocaleDateString('en-CA');
const DEFECTS = [
  'mould',
  'pests',
  'nutrient_burn',
  'light_burn',
  'mechanical_damage',
  'discoloration',
  'seeded',
  'foxtailing',
  'hermaphrodite',
] as const;
const GRADE_COLOUR: Record<string, string> = { 'A+': 'green', A: 'green', B: 'lime', C: 'orange', D: 'red' };

/** The blockers of a refused harvest: from the create's 422 details, else from the check made before. */
function blockersOf(error: unknown, gate: Gate | undefined): Pick<Gate, 'blockers' | 'allowed_from'> | null {
  if (error instanceof ApiError && error.code === 'KARENZ_VIOLATION') {
    const details = error.details as Partial<Gate>;
    if (Array.isArray(details.blockers))
      return { blockers: details.blockers, allowed_from: details.allowed_from ?? null };
  }
  if (gate && !gate.allowed) return gate;
  return null;
}

/** Each active ingredient still inside its pre-harvest interval, with the day it is safe. */
function Blockers({ gate, refused }: { gate: Pick<Gate, 'blockers' | 'allowed_from'>; refused: boolean }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      title={refused ? t('harvests.refused') : t('harvests.blocked')}
      data-testid="harvest-blocked">
      <Stack gap="xs">
        {gate.blockers.map((b) => (
          <div key={`${b.active_ingredient ?? ''}-${b.safe_date}`} data-testid="blocker">
            <Text fw={700}>{b.active_ingredient ?? b.applications.map((a) => a.treatment_name).join(', ')}</Text>
            <Text size="sm" data-testid="blocker-safe-date">
              {t('harvests.safeFrom', { date: b.safe_date, days: b.days_remaining })}
            </Text>
            <Text size="xs" c="dimmed">
              {b.applications
                .map((a) =>
                  t('harvests.applied', { treatment: a.treatment_name, date: a.applied_on, days: a.interval_days }),
                )
                .join(' · ')}
            </Text>
          </div>
        ))}
        {gate.allowed_from && (
          <Text size="sm" fw={600}>
            {t('harvests.allowedFrom', { date: gate.allowed_from })}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}

function HarvestForm({ farm, target, onSaved }: { farm: string; target: Target; onSaved: (h: Harvest) => void }) {
  const { t } = useTranslation();
  const { harvest } = useHarvestActions(farm);
  const resend = useResend<NewHarvest>();
  const [day, setDay] = useState(today);
  const [weight, setWeight] = useState<Num>('');
  const [count, setCount] = useState<Num>('');
  const [notes, setNotes] = useState('');
  const gate = usePreHarvestCheck(farm, target, day);
  const blocked = blockersOf(harvest.error, gate.data);
  const refused = harvest.error instanceof ApiError && harvest.error.code === 'KARENZ_VIOLATION';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      ...target,
      harvested_on: day,
      ...(weight !== '' ? { weight_g: Number(weight) } : {}),
      ...(count !== '' ? { count: Number(count) } : {}),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    const body = resend.body(JSON.stringify(input), () => ({ id: newId(), ...input }));
    harvest.mutate(body, { onSettled: (_, error) => resend.settled(error), onSuccess: onSaved });
  };
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label={t('harvests.day')}
          type="date"
          max={today()}
          value={day}
          onChange={(e) => {
            setDay(e.currentTarget.value);
            harvest.reset();
          }}
        />
        <SimpleGrid cols={2}>
          <NumberInput label={t('harvests.weight')} min={1} value={weight} onChange={setWeight} inputMode="decimal" />
          <NumberInput
            label={t('harvests.count')}
            min={1}
            allowDecimal={false}
            value={count}
            onChange={setCount}
            inputMode="numeric"
          />
        </SimpleGrid>
        <TextInput label={t('harvests.notes')} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
        {gate.data?.allowed && !harvest.error && (
          <Text size="sm" c="green.8" data-testid="harvest-allowed">
            {t('harvests.allowed')}
          </Text>
        )}
        {blocked && <Blockers gate={blocked} refused={refused} />}
        {!refused && <ErrorNotice error={harvest.error} />}
        <Button type="submit" loading={harvest.isPending} disabled={weight === '' && count === ''}>
          {t('harvests.save')}
        </Button>
      </Stack>
    </Card>
  );
}

/** The quality of a batch: three scores and the defects seen → the score and its grade. */
function QualityForm({ farm, harvest }: { farm: string; harvest: Harvest }) {
  const { t } = useTranslation();
  const { score } = useHarvestActions(farm);
  const resend = useResend<NewQuality>();
  const [scores, setScores] = useState({ appearance: 80, aroma: 80, colour: 80 });
  const [defects, setDefects] = useState<string[]>([]);
  const field = (key: keyof typeof scores) => (
    <NumberInput
      label={t(`harvests.quality.${key}`)}
      min={0}
      max={100}
      clampBehavior="strict"
      value={scores[key]}
      onChange={(v) => setScores((s) => ({ ...s, [key]: Number(v) || 0 }))}
      inputMode="numeric"
    />
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Each answered save is a new scoring ("score again"); only a resend after a lost answer reuses the id.
    const body = resend.body(JSON.stringify({ scores, defects }), () => ({ id: newId(), ...scores, defects }));
    score.mutate({ harvest: harvest.id, body }, { onSettled: (_, error) => resend.settled(error) });
  };
  const result = score.data;
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate data-testid="quality-form">
      <Title order={2} fz={20} mb="sm">
        {t('harvests.quality.title')}
      </Title>
      <Stack gap="sm">
        <SimpleGrid cols={3}>
          {field('appearance')}
          {field('aroma')}
          {field('colour')}
        </SimpleGrid>
        <Text size="sm" fw={600}>
          {t('harvests.quality.defects')}
        </Text>
        <Chip.Group multiple value={defects} onChange={setDefects}>
          <Group gap="xs">
            {DEFECTS.map((d) => (
              <Chip key={d} value={d} size="lg">
                {t(`harvests.defects.${d}`)}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <ErrorNotice error={score.error} />
        {result && (
          <Group data-testid="quality-result" align="baseline">
            <Text fz={40} fw={800} c={GRADE_COLOUR[result.grade]} data-testid="quality-grade">
              {result.grade}
            </Text>
            <Text fz={20}>{t('harvests.quality.score', { score: Math.round(result.score) })}</Text>
          </Group>
        )}
        <Button type="submit" loading={score.isPending} variant={result ? 'light' : 'filled'}>
          {result ? t('harvests.quality.again') : t('harvests.quality.save')}
        </Button>
      </Stack>
    </Card>
  );
}

/** Record a harvest of a plant or a run (`?plant=` / `?run=`), past the pre-harvest interval; then its quality. */
export function HarvestPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const [search] = useSearchParams();
  const target = targetOf(search);
  const [saved, setSaved] = useState<Harvest | null>(null);
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('harvests.title')}
      </Title>
      {!target && <Empty title={t('harvests.noTarget')}>{t('harvests.noTargetHint')}</Empty>}
      {target && <TargetHeading farm={farm.slug} target={target} />}
      {target && !saved && <HarvestForm farm={farm.slug} target={target} onSaved={setSaved} />}
      {saved && (
        <>
          <Alert color="green" variant="light" role="status" data-testid="harvest-saved">
            {t('harvests.saved', {
              amount: [
                saved.weight_g !== null ? t('harvests.grams', { value: saved.weight_g }) : null,
                saved.count !== null ? t('harvests.pieces', { value: saved.count }) : null,
              ]
                .filter(Boolean)
                .join(', '),
              date: saved.harvested_on,
            })}
          </Alert>
          <QualityForm farm={farm.slug} harvest={saved} />
        </>
      )}
    </Stack>
  );
}
