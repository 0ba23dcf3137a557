import {
  Alert,
  Button,
  Card,
  Group,
  MultiSelect,
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
import { Link, useSearchParams } from 'react-router';
import { newId } from '../../components/ids';
import { useResend } from '../../components/resend';
import { Empty, ErrorNotice } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import {
  targetOf,
  useDiseases,
  usePests,
  useProtectionActions,
  useTreatments,
  type Application,
  type Inspection,
  type NewApplication,
  type NewInspection,
  type Target,
} from './api';
import { TargetHeading } from './TargetHeading';

const today = () => new Date().toLocaleDateString('en-CA');
const PRESSURES: NewInspection['pressure'][] = ['none', 'low', 'medium', 'high', 'critical'];
const UNITS = ['ml', 'g', 'l', 'ml/l', 'g/l'];

function InspectionForm({ farm, target, onSaved }: { farm: string; target: Target; onSaved: (i: Inspection) => void }) {
  const { t } = useTranslation();
  const { inspect } = useProtectionActions(farm);
  const pests = usePests(farm);
  const diseases = useDiseases(farm);
  const resend = useResend<NewInspection>();
  const [pressure, setPressure] = useState<NewInspection['pressure']>('none');
  const [seenPests, setPests] = useState<string[]>([]);
  const [seenDiseases, setDiseases] = useState<string[]>([]);
  const [day, setDay] = useState(today);
  const [notes, setNotes] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      ...target,
      inspected_on: day,
      pressure,
      pests: seenPests,
      diseases: seenDiseases,
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    const body = resend.body(JSON.stringify(input), () => ({ id: newId(), ...input }));
    inspect.mutate(body, { onSettled: (_, error) => resend.settled(error), onSuccess: onSaved });
  };
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate data-testid="inspection-form">
      <Stack gap="sm">
        <div>
          <Text size="sm" fw={600}>
            {t('protection.pressure')}
          </Text>
          <SegmentedControl
            fullWidth
            orientation="vertical"
            value={pressure}
            onChange={(v) => setPressure(v as NewInspection['pressure'])}
            data={PRESSURES.map((p) => ({ value: p, label: t(`protection.pressures.${p}`) }))}
            aria-label={t('protection.pressure')}
          />
        </div>
        <MultiSelect
          size="lg"
          label={t('protection.pests')}
          data={(pests.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={seenPests}
          onChange={setPests}
          searchable
          hidePickedOptions
        />
        <MultiSelect
          size="lg"
          label={t('protection.diseases')}
          data={(diseases.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
          value={seenDiseases}
          onChange={setDiseases}
          searchable
          hidePickedOptions
        />
        <TextInput
          label={t('protection.day')}
          type="date"
          max={today()}
          value={day}
          onChange={(e) => setDay(e.currentTarget.value)}
        />
        <TextInput label={t('protection.notes')} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
        <ErrorNotice error={inspect.error ?? pests.error ?? diseases.error} />
        <Button type="submit" loading={inspect.isPending}>
          {t('protection.saveInspection')}
        </Button>
      </Stack>
    </Card>
  );
}

function TreatmentForm({ farm, target, onSaved }: { farm: string; target: Target; onSaved: (a: Application) => void }) {
  const { t } = useTranslation();
  const { apply } = useProtectionActions(farm);
  const treatments = useTreatments(farm);
  const resend = useResend<NewApplication>();
  const [treatment, setTreatment] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>('');
  const [unit, setUnit] = useState<string | null>('ml');
  const [day, setDay] = useState(today);
  const [notes, setNotes] = useState('');
  const chosen = treatments.data?.find((x) => x.id === treatment);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!treatment) return;
    const input = {
      treatment,
      ...target,
      applied_on: day,
      ...(quantity !== '' ? { quantity: Number(quantity), ...(unit ? { unit } : {}) } : {}),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    const body = resend.body(JSON.stringify(input), () => ({ id: newId(), ...input }));
    apply.mutate(body, { onSettled: (_, error) => resend.settled(error), onSuccess: onSaved });
  };
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate data-testid="treatment-form">
      <Stack gap="sm">
        <Select
          label={t('protection.treatment')}
          placeholder={t('protection.treatmentHint')}
          data={(treatments.data ?? []).map((x) => ({
            value: x.id,
            label:
              x.active_ingredient && x.active_ingredient !== x.name ? `${x.name} (${x.active_ingredient})` : x.name,
          }))}
          value={treatment}
          onChange={(v) => {
            setTreatment(v);
            apply.reset();
          }}
          searchable
          nothingFoundMessage={t('protection.noTreatment')}
        />
        {chosen && (
          <Text size="sm" c="dimmed" data-testid="treatment-interval">
            {chosen.interval_days === null
              ? t('protection.noInterval')
              : chosen.interval_status === 'confirmed'
                ? t('protection.intervalConfirmed', { days: chosen.interval_days })
                : t('protection.intervalTypical', { days: chosen.interval_days })}
            {chosen.mode_of_action && ` · ${chosen.mode_of_action.scheme} ${chosen.mode_of_action.code}`}
          </Text>
        )}
        <SimpleGrid cols={2}>
          <NumberInput
            label={t('protection.dose')}
            min={0}
            value={quantity}
            onChange={setQuantity}
            inputMode="decimal"
          />
          <Select label={t('protection.unit')} data={UNITS} value={unit} onChange={setUnit} />
        </SimpleGrid>
        <TextInput
          label={t('protection.day')}
          type="date"
          max={today()}
          value={day}
          onChange={(e) => setDay(e.currentTarget.value)}
        />
        <TextInput label={t('protection.notes')} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
        <ErrorNotice error={apply.error ?? treatments.error} />
        <Button type="submit" loading={apply.isPending} disabled={!treatment}>
          {t('protection.saveTreatment')}
        </Button>
      </Stack>
    </Card>
  );
}

const URGENCY_COLOUR = { overdue: 'red', due_today: 'orange', due_soon: 'yellow', scheduled: 'green' } as const;

/**
 * Record what was found on a plant or a run (`?plant=` / `?run=`) — the pressure and the pests and diseases
 * seen — or a treatment applied to it; the server's refusals (an interval not confirmed, the resistance
 * limit) are shown in its words, its warnings in amber.
 */
export function ProtectionPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const [search] = useSearchParams();
  const target = targetOf(search);
  const [kind, setKind] = useState<'inspection' | 'treatment'>(
    search.get('kind') === 'treatment' ? 'treatment' : 'inspection',
  );
  const [inspection, setInspection] = useState<Inspection | null>(null);
  const [application, setApplication] = useState<Application | null>(null);
  const harvestLink = target
    ? `/farms/${farm.slug}/harvests/new?${new URLSearchParams(target as Record<string, string>).toString()}`
    : '';
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('protection.title')}
      </Title>
      {!target && <Empty title={t('protection.noTarget')}>{t('protection.noTargetHint')}</Empty>}
      {target && <TargetHeading farm={farm.slug} target={target} />}
      {target && !inspection && !application && (
        <>
          <SegmentedControl
            fullWidth
            value={kind}
            onChange={(v) => setKind(v as typeof kind)}
            data={[
              { value: 'inspection', label: t('protection.inspection') },
              { value: 'treatment', label: t('protection.treatmentApplied') },
            ]}
            data-testid="protection-kind"
          />
          {/* Both stay mounted: switching keeps what was typed and the id of a send whose answer was lost. */}
          <div hidden={kind !== 'inspection'}>
            <InspectionForm farm={farm.slug} target={target} onSaved={setInspection} />
          </div>
          <div hidden={kind !== 'treatment'}>
            <TreatmentForm farm={farm.slug} target={target} onSaved={setApplication} />
          </div>
        </>
      )}
      {inspection && (
        <Alert
          color="green"
          variant="light"
          role="status"
          data-testid="inspection-saved"
          title={t('protection.inspectionSaved')}>
          {inspection.next_inspection && (
            <Text size="sm" c={URGENCY_COLOUR[inspection.next_inspection.urgency]}>
              {t('protection.nextInspection', { date: inspection.next_inspection.due })}
            </Text>
          )}
        </Alert>
      )}
      {application && (
        <>
          <Alert
            color="green"
            variant="light"
            role="status"
            data-testid="treatment-saved"
            title={t('protection.treatmentSaved', { treatment: application.treatment_name })}>
            <Text size="sm">
              {application.harvest_allowed_from
                ? t('protection.harvestFrom', { date: application.harvest_allowed_from })
                : t('protection.noHarvestInterval')}
            </Text>
          </Alert>
          {application.warnings.map((w) => (
            <Alert
              key={w.code}
              color="orange"
              variant="light"
              title={t(`protection.warnings.${w.code}`)}
              data-testid="treatment-warning">
              <Text size="sm">{w.message}</Text>
            </Alert>
          ))}
        </>
      )}
      {target && (
        <Group>
          <Button component={Link} to={harvestLink} variant="light">
            {t('protection.toHarvest')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
