import { Alert, Button, Card, NumberInput, Select, Stack, TextInput, Title } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ApiError } from '../../api/client';
import { can } from '../../api/generated/permissions';
import { newId } from '../../components/ids';
import { ProceedWithReason } from '../../components/ProceedWithReason';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { usePlaces } from '../locations/api';
import { PlacementReport } from './PlacementReport';
import { speciesName, usePlacement, usePlantActions, useSpeciesList } from './api';

/** Refusals a manager may plant through with a reason. */
const ACKNOWLEDGEABLE = new Set(['ROTATION_VIOLATION', 'INCOMPATIBLE_COMPANION']);

/** 2–5 capital letters from a name: "Tomato" → TOM. */
function prefixOf(name: string): string {
  const letters = name
    .normalize('NFD')
    .toUpperCase()
    .replace(/[^A-Z]/g, '');
  return (letters.slice(0, 3) || 'PLA').padEnd(2, 'X');
}

/**
 * Start a planting run: species, place, quantity. The place is checked first (rotation, soil-borne
 * diseases, successor, nitrogen, neighbours); a refusal is explained, and a manager may plant anyway with
 * a reason. The run is planned with a client-made id, then its plants are made (the run becomes active).
 */
export function StartRunForm({ onCancel }: { onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const species = useSpeciesList(farm.slug);
  const places = usePlaces(farm.slug);
  const { createRun, plantRun, deleteRun } = usePlantActions(farm.slug);
  const [speciesId, setSpeciesId] = useState<string | null>(null);
  const [place, setPlace] = useState<string | null>(null);
  const [quantity, setQuantity] = useState<number | string>(1);
  const [name, setName] = useState('');
  const [prefix, setPrefix] = useState('');
  const [reason, setReason] = useState('');
  // One id for the run, kept across a refusal and the retry with a reason (a resend is stored once).
  const [runId, setRunId] = useState(newId);
  const placement = usePlacement(farm.slug, speciesId, place);
  const manager = can(farm.role, 'config.write');

  const speciesOptions = useMemo(
    () =>
      (species.data ?? [])
        .map((s) => ({ value: s.id, label: `${speciesName(s, i18n.language)} · ${s.scientific_name}` }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [species.data, i18n.language],
  );
  const placeOptions = useMemo(
    () =>
      (places.data ?? []).map((p) => ({
        value: p.id,
        label: `${p.name} (${t(`locationTypes.${p.type}`, { defaultValue: p.type })})`,
      })),
    [places.data, t],
  );
  const chosen = species.data?.find((s) => s.id === speciesId);

  const pickSpecies = (id: string | null) => {
    setSpeciesId(id);
    const s = species.data?.find((x) => x.id === id);
    if (!s) return;
    const shown = speciesName(s, i18n.language);
    if (!name.trim()) setName(`${shown} ${new Date().toLocaleDateString('en-CA')}`);
    setPrefix(prefixOf(s.common_names.en?.[0] ?? s.scientific_name));
  };

  const refused = plantRun.error instanceof ApiError && ACKNOWLEDGEABLE.has(plantRun.error.code);
  const plant = (withReason?: string) =>
    plantRun.mutate(
      { run: runId, ...(withReason ? { reason: withReason } : {}) },
      { onSuccess: () => void navigate(`/farms/${farm.slug}/runs/${runId}`) },
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    createRun.mutate(
      {
        id: runId,
        name: name.trim(),
        type: 'monoculture',
        location: place,
        entries: [{ species: chosen.id, quantity: Number(quantity) || 1, id_prefix: prefix }],
      },
      { onSuccess: () => plant() },
    );
  };
  // Changing what is planted after a refusal plans a new run; the refused one, planned but never planted,
  // is deleted so it does not linger in the list. Nothing sent yet: the id is kept.
  const restart = () => {
    if (createRun.isIdle && plantRun.isIdle) return;
    if (createRun.isSuccess && !plantRun.isSuccess) deleteRun.mutate(runId);
    createRun.reset();
    plantRun.reset();
    setRunId(newId());
  };

  if (species.isPending || places.isPending) return <Loading />;
  const prefixOk = /^[A-Z]{2,5}$/.test(prefix);
  return (
    <Card withBorder>
      <Stack component="form" onSubmit={submit} gap="sm" data-testid="start-run">
        <Title order={2} fz={20}>
          {t('runs.start')}
        </Title>
        <ErrorNotice error={species.error ?? places.error} />
        <Select
          label={t('runs.species')}
          placeholder={t('runs.speciesHint')}
          searchable
          required
          size="lg"
          data={speciesOptions}
          value={speciesId}
          onChange={(v) => {
            restart();
            pickSpecies(v);
          }}
          nothingFoundMessage={t('catalog.nothing')}
          limit={50}
        />
        <Select
          label={t('runs.place')}
          placeholder={t('runs.placeHint')}
          searchable
          clearable
          size="lg"
          data={placeOptions}
          value={place}
          onChange={(v) => {
            restart();
            setPlace(v);
          }}
        />
        <NumberInput
          label={t('runs.quantity')}
          min={1}
          max={10_000}
          required
          size="lg"
          value={quantity}
          onChange={(v) => {
            restart();
            setQuantity(v);
          }}
        />
        <TextInput
          label={t('runs.name')}
          required
          size="lg"
          value={name}
          onChange={(e) => {
            restart();
            setName(e.currentTarget.value);
          }}
        />
        <TextInput
          label={t('runs.prefix')}
          description={t('runs.prefixHint')}
          required
          size="lg"
          value={prefix}
          error={prefix && !prefixOk ? t('runs.prefixInvalid') : undefined}
          onChange={(e) => {
            restart();
            setPrefix(e.currentTarget.value.toUpperCase());
          }}
        />
        {placement.isFetching && <Loading />}
        <ErrorNotice error={placement.error} />
        {placement.data && <PlacementReport report={placement.data} />}
        <ErrorNotice error={createRun.error ?? plantRun.error} />
        {refused && !manager && (
          <Alert color="orange" data-testid="ask-manager">
            {t('runs.askManager')}
          </Alert>
        )}
        {refused && manager ? (
          <ProceedWithReason
            hint={t('runs.acknowledgeHint')}
            label={t('runs.reason')}
            action={t('runs.plantAnyway')}
            reason={reason}
            onReason={setReason}
            pending={plantRun.isPending}
            onProceed={plant}
            testId="acknowledge"
          />
        ) : (
          <Button
            type="submit"
            size="lg"
            loading={createRun.isPending || plantRun.isPending}
            disabled={!chosen || !name.trim() || !prefixOk || refused}>
            {t('runs.create')}
          </Button>
        )}
        <Button variant="subtle" size="lg" onClick={onCancel}>
          {t('common.cancel')}
        </Button>
      </Stack>
    </Card>
  );
}
