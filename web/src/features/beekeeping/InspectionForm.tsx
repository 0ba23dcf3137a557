import { Button, Card, Chip, Group, NumberInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { newId } from '../../components/ids';
import { ErrorNotice } from '../../components/states';
import { useBeeActions, type NewHiveEvent } from './api';

type Inspection = NonNullable<NewHiveEvent['inspection']>;
const today = () => new Date().toLocaleDateString('en-CA');
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toLocaleDateString('en-CA');
const SCALE = ['1', '2', '3', '4', '5'];

/**
 * An inspection in a few taps, gloves on: what was seen as chips, the 1–5 scores as big buttons, frames
 * as steppers, and the next visit one tap away. The id is made here, so a resend is stored once.
 */
export function InspectionForm({
  farm,
  hive,
  hiveName,
  onDone,
}: {
  farm: string;
  hive: string;
  hiveName: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { recordInspection: recordEvent } = useBeeActions(farm);
  const [id] = useState(newId);
  const [seen, setSeen] = useState<string[]>(['queen', 'eggs']);
  const [brood, setBrood] = useState('4');
  const [temper, setTemper] = useState('4');
  const [frames, setFrames] = useState({ bees: 8, brood: 5, honey: 3 });
  const [varroa, setVarroa] = useState<number | string>('');
  const [next, setNext] = useState(inDays(7));
  const [notes, setNotes] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const inspection: Inspection = {
      queen_seen: seen.includes('queen'),
      eggs: seen.includes('eggs'),
      brood_pattern: Number(brood),
      temper: Number(temper),
      frames_bees: frames.bees,
      frames_brood: frames.brood,
      frames_honey: frames.honey,
      ...(varroa !== '' ? { varroa_count: Number(varroa), varroa_method: 'sugar_roll' as const } : {}),
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    recordEvent.mutate(
      {
        hive,
        body: { id, type: 'inspection', date: today(), inspection, ...(next ? { next_inspection: next } : {}) },
        label: t('offline.label.inspection', { hive: hiveName }),
      },
      { onSuccess: onDone },
    );
  };
  const frame = (key: keyof typeof frames, label: string) => (
    <NumberInput
      label={label}
      min={0}
      max={40}
      value={frames[key]}
      onChange={(v) => setFrames((f) => ({ ...f, [key]: Number(v) || 0 }))}
    />
  );
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate data-testid="inspection-form">
      <Title order={2} fz={20} mb="sm">
        {t('inspection.title')}
      </Title>
      <Stack gap="sm">
        <Chip.Group multiple value={seen} onChange={setSeen}>
          <Group gap="xs">
            <Chip value="queen" size="lg">
              {t('inspection.queenSeen')}
            </Chip>
            <Chip value="eggs" size="lg">
              {t('inspection.eggs')}
            </Chip>
          </Group>
        </Chip.Group>
        <div>
          <Text size="sm" fw={600}>
            {t('inspection.broodPattern')}
          </Text>
          <SegmentedControl
            fullWidth
            value={brood}
            onChange={setBrood}
            data={SCALE}
            aria-label={t('inspection.broodPattern')}
          />
        </div>
        <div>
          <Text size="sm" fw={600}>
            {t('inspection.temper')}
          </Text>
          <SegmentedControl
            fullWidth
            value={temper}
            onChange={setTemper}
            data={SCALE}
            aria-label={t('inspection.temper')}
          />
        </div>
        <Group grow wrap="wrap">
          {frame('bees', t('inspection.framesBees'))}
          {frame('brood', t('inspection.framesBrood'))}
          {frame('honey', t('inspection.framesHoney'))}
        </Group>
        <NumberInput
          label={t('inspection.varroa')}
          description={t('inspection.varroaHint')}
          min={0}
          value={varroa}
          onChange={setVarroa}
        />
        <TextInput label={t('inspection.notes')} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} />
        <TextInput
          label={t('inspection.next')}
          type="date"
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <ErrorNotice error={recordEvent.error} />
        <Group>
          <Button type="submit" loading={recordEvent.isPending}>
            {t('inspection.save')}
          </Button>
          <Button variant="subtle" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
