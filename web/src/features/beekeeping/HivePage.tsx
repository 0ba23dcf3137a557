import { Anchor, Badge, Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { QueuedNotice, useWaitingAbout } from '../../offline/Outbox';
import { useBeeActions, useHive, useHiveEvents, useQueens, type Queen } from './api';
import { QueenDot } from './HiveCard';
import { InspectionForm } from './InspectionForm';

function NewQueenForm({
  farm,
  hive,
  mother,
  onDone,
}: {
  farm: string;
  hive: string;
  mother: Queen | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const { addQueen } = useBeeActions(farm);
  const [name, setName] = useState('');
  const [born, setBorn] = useState(new Date().toLocaleDateString('en-CA'));
  const [fromMother, setFromMother] = useState(true);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    addQueen.mutate(
      {
        hive,
        body: {
          name: name.trim(),
          birth_date: born,
          fertilised: true,
          ...(fromMother && mother ? { mother_id: mother.id } : {}),
        },
      },
      { onSuccess: onDone },
    );
  };
  return (
    <Stack component="form" onSubmit={submit} gap="sm">
      <TextInput label={t('queens.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} />
      <TextInput
        label={t('queens.born')}
        description={t('queens.colourHint')}
        type="date"
        value={born}
        onChange={(e) => setBorn(e.currentTarget.value)}
      />
      {mother && (
        <Checkbox
          size="md"
          label={t('queens.daughterOf', { name: mother.name })}
          checked={fromMother}
          onChange={(e) => setFromMother(e.currentTarget.checked)}
        />
      )}
      <ErrorNotice error={addQueen.error} />
      <Group>
        <Button type="submit" loading={addQueen.isPending} disabled={!name.trim()}>
          {t('queens.add')}
        </Button>
        <Button variant="subtle" onClick={onDone}>
          {t('common.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

/** One hive: record an inspection, its queens (current first, with lineage), and its history. */
export function HivePage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { id = '' } = useParams();
  const hive = useHive(farm.slug, id);
  const queens = useQueens(farm.slug, id);
  const events = useHiveEvents(farm.slug, id);
  const [inspecting, setInspecting] = useState(false);
  const [requeening, setRequeening] = useState(false);
  const waiting = useWaitingAbout(id);
  const canRecord = can(farm.role, 'records.write');
  if (hive.isPending) return <Loading />;
  if (!hive.data) return <ErrorNotice error={hive.error} />;
  const h = hive.data;
  const byId = new Map((queens.data ?? []).map((q) => [q.id, q]));
  return (
    <Stack gap="md">
      <Anchor component={Link} className="touch-link" to={`/farms/${farm.slug}/apiaries`} size="sm">
        ← {t('apiaries.title')}
      </Anchor>
      <Title order={1} fz={26}>
        {h.name}
      </Title>
      <Text c="dimmed">
        {t(`hiveTypes.${h.hive_type}`, { defaultValue: h.hive_type })} · {t(`hiveStatus.${h.status}`)}
        {h.device ? ` · ${t('hives.scaleIs', { device: h.device })}` : ''}
      </Text>
      {canRecord && !inspecting && <Button onClick={() => setInspecting(true)}>{t('inspection.record')}</Button>}
      {waiting && !inspecting && <QueuedNotice farm={farm.slug} />}
      {inspecting && (
        <InspectionForm farm={farm.slug} hive={h.id} hiveName={h.name} onDone={() => setInspecting(false)} />
      )}
      <Card withBorder>
        <Group justify="space-between" mb="xs">
          <Title order={2} fz={20}>
            {t('queens.title')}
          </Title>
          {canRecord && !requeening && (
            <Button size="md" variant="light" onClick={() => setRequeening(true)}>
              {t('queens.new')}
            </Button>
          )}
        </Group>
        {requeening && (
          <NewQueenForm
            farm={farm.slug}
            hive={h.id}
            mother={h.current_queen ?? undefined}
            onDone={() => setRequeening(false)}
          />
        )}
        <ErrorNotice error={queens.error} />
        <Stack gap="xs" mt="xs">
          {queens.data?.length === 0 && <Text c="dimmed">{t('hives.noQueen')}</Text>}
          {queens.data?.map((q) => (
            <div key={q.id} data-testid="queen">
              <Text fw={q.retired_at ? 500 : 700}>
                <QueenDot colour={q.marking_colour} />
                {q.name}
                {!q.retired_at && (
                  <Badge ml="xs" color="field">
                    {t('queens.current')}
                  </Badge>
                )}
              </Text>
              <Text size="sm" c="dimmed">
                {q.marking_colour ? `${t(`colours.${q.marking_colour}`)} · ` : ''}
                {q.birth_date ? t('queens.bornOn', { date: q.birth_date }) : ''}
                {q.mother_id ? ` · ${t('queens.motherIs', { name: byId.get(q.mother_id)?.name ?? '?' })}` : ''}
                {q.retired_at ? ` · ${t('queens.retiredOn', { date: q.retired_at.slice(0, 10) })}` : ''}
              </Text>
            </div>
          ))}
        </Stack>
      </Card>
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('hives.history')}
        </Title>
        <ErrorNotice error={events.error} />
        {events.data?.length === 0 && <Text c="dimmed">{t('hives.noEvents')}</Text>}
        <Stack gap="xs">
          {events.data?.map((e) => (
            <div key={e.id} data-testid="hive-event">
              <Text fw={600}>
                {e.date} · {t(`eventTypes.${e.type}`, { defaultValue: e.type })}
              </Text>
              {e.next_inspection && (
                <Text size="sm" c="dimmed">
                  {t('hives.nextInspection', { date: e.next_inspection })}
                </Text>
              )}
              {e.description && <Text size="sm">{e.description}</Text>}
            </div>
          ))}
        </Stack>
      </Card>
    </Stack>
  );
}
