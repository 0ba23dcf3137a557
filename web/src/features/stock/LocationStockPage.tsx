import { Alert, Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconCamera, IconPrinter } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { Stepper } from './Stepper';
import {
  labels,
  openLabel,
  useBatches,
  usePlace,
  useStockActions,
  useStockConfig,
  type CountResult,
  type NewCount,
} from './api';
import { newId } from '../../components/ids';
import { useResend } from '../../components/resend';
import { QueuedNotice } from '../../offline/Outbox';
import { BatchCard, useBatchWords } from './parts';

/** Count the place's plants with a stepper that starts at what the ledger says, and save the count. */
function CountCard({
  farm,
  location,
  place,
  expected,
}: {
  farm: string;
  location: string;
  place: string;
  expected: number;
}) {
  const { t } = useTranslation();
  const { count } = useStockActions(farm);
  const [counted, setCounted] = useState(expected);
  const [result, setResult] = useState<CountResult | 'queued'>();
  const resend = useResend<NewCount>();
  useEffect(() => setCounted(expected), [expected]);

  const save = () => {
    const body = resend.body(String(counted), () => ({
      movement_id: newId(),
      location_id: location,
      counted,
      counted_at: new Date().toISOString(),
      source: 'manual' as const,
    }));
    setResult(undefined);
    count.mutate(
      { body, label: t('offline.label.count', { counted, place }) },
      {
        onSettled: (_, error) => resend.settled(error),
        onSuccess: (answer) => setResult(answer.queued ? 'queued' : answer.data),
      },
    );
  };

  return (
    <Card withBorder data-testid="count-card">
      <Stack gap="sm">
        <Title order={2} fz={20}>
          {t('stock.count')}
        </Title>
        <Stepper label={t('stock.counted')} value={counted} onChange={setCounted} />
        <ErrorNotice error={count.error} />
        {result === 'queued' && <QueuedNotice farm={farm} />}
        {result && result !== 'queued' && (
          <Alert color={result.difference === 0 ? 'green' : 'blue'} variant="light" data-testid="count-result">
            {result.difference === 0
              ? t('stock.countMatches', { counted: result.counted })
              : t(`stock.countDiffers.${result.recorded_as ?? 'adjustment'}`, {
                  counted: result.counted,
                  expected: result.expected,
                  difference: Math.abs(result.difference),
                })}
          </Alert>
        )}
        <Button onClick={save} loading={count.isPending}>
          {t('stock.saveCount')}
        </Button>
      </Stack>
    </Card>
  );
}

/** What the place is meant to hold, when it says. */
function ConfigLine({ farm, location }: { farm: string; location: string }) {
  const { t } = useTranslation();
  const config = useStockConfig(farm, location);
  const words = useBatchWords(farm, config.data ?? undefined);
  if (!config.data) return null;
  return (
    <Text c="dimmed" data-testid="stock-config">
      {t('stock.holds', { product: words.product, packaging: words.packaging })}
    </Text>
  );
}

/** `stock/locations/:location`: a storage location's batches; count, death, sale, transplant; its labels. */
export function LocationStockPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { location = '' } = useParams();
  const place = usePlace(farm.slug, location);
  const batches = useBatches(farm.slug, { location });
  const [printing, setPrinting] = useState<unknown>();
  const canRecord = can(farm.role, 'records.write');
  if (place.isPending) return <Loading />;
  if (!place.data) return <ErrorNotice error={place.error} />;
  // The place's own batches and those of the places under it.
  const here = batches.data ?? [];
  const active = here.filter((b) => b.status === 'active');
  const print = () => {
    setPrinting(undefined);
    openLabel(
      () => labels.sheet(farm.slug, { locations: [location], batches: active.map((b) => b.id) }),
      'labels.pdf',
    ).catch(setPrinting);
  };

  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/stock`} size="sm">
        ← {t('stock.title')}
      </Anchor>
      <div>
        <Title order={1} fz={26}>
          {place.data.name}
        </Title>
        {place.data.code && <Text c="dimmed">{place.data.code}</Text>}
        <ConfigLine farm={farm.slug} location={location} />
      </div>
      {place.data.type !== 'storage_location' && (
        <Alert color="orange" variant="light">
          {t('stock.notStorage')}
        </Alert>
      )}
      {canRecord && place.data.type === 'storage_location' && active.length > 0 && (
        <CountCard
          farm={farm.slug}
          location={location}
          place={place.data.name}
          expected={active.reduce((sum, b) => sum + b.quantity, 0)}
        />
      )}
      {canRecord && (
        <Button
          component={Link}
          to={`/farms/${farm.slug}/photos/new?location=${encodeURIComponent(location)}`}
          variant="light"
          leftSection={<IconCamera size={20} />}>
          {t('stock.countByPhoto')}
        </Button>
      )}
      <Group justify="space-between">
        <Title order={2} fz={20}>
          {t('stock.batches')}
        </Title>
        <Button variant="subtle" leftSection={<IconPrinter size={20} />} onClick={print}>
          {t('stock.printLabels')}
        </Button>
      </Group>
      <ErrorNotice error={printing} />
      {batches.isPending && <Loading />}
      <ErrorNotice error={batches.error} />
      {batches.data && here.length === 0 && <Empty title={t('stock.noBatches')}>{t('stock.noBatchesHint')}</Empty>}
      {here.map((b) => (
        <BatchCard key={b.id} farm={farm.slug} batch={b} canRecord={canRecord} />
      ))}
    </Stack>
  );
}
