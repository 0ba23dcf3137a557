import { Anchor, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { newId } from '../../components/ids';
import { useResend } from '../../components/resend';
import { ErrorNotice } from '../../components/states';
import { usePlaces } from '../locations/api';
import { Stepper } from './Stepper';
import { QueuedNotice, useWaitingAbout } from '../../offline/Outbox';
import {
  usePackaging,
  usePackagingList,
  useProduct,
  useStockActions,
  type Batch,
  type NewMovement,
  type NewTransplant,
} from './api';

export const readinessColour = { ready: 'green', almost: 'yellow', growing: 'gray' } as const;

/** A product's name (SKU) and its packaging, read by id. */
export function useBatchWords(farm: string, batch: Pick<Batch, 'product_id' | 'packaging_id'> | undefined) {
  const product = useProduct(farm, batch?.product_id);
  const packaging = usePackaging(farm, batch?.packaging_id);
  return {
    product: product.data ? `${product.data.name} (${product.data.sku})` : '…',
    packaging: packaging.data ? (packaging.data.pot_code ?? packaging.data.name) : '…',
  };
}

/** The places a batch can stand at: the farm's storage locations, by name. */
export function useStoragePlaces(farm: string, enabled = true) {
  const places = usePlaces(farm);
  return useMemo(
    () =>
      enabled
        ? (places.data ?? []).filter((p) => p.type === 'storage_location').sort((a, b) => a.name.localeCompare(b.name))
        : [],
    [places.data, enabled],
  );
}

type Kind = 'death' | 'sale' | 'transplant';

/** Death, sale or transplant of some of a batch's plants: pick, count, save; the server's refusal shown. */
export function BatchAction({
  farm,
  batch,
  kind,
  onDone,
}: {
  farm: string;
  batch: Batch;
  kind: Kind;
  onDone: (queued: boolean) => void;
}) {
  const { t } = useTranslation();
  const words = useBatchWords(farm, batch);
  const { record, transplant } = useStockActions(farm);
  const [quantity, setQuantity] = useState(1);
  const [to, setTo] = useState<string | null>(batch.location_id);
  const [pot, setPot] = useState<string | null>(batch.packaging_id);
  const places = useStoragePlaces(farm, kind === 'transplant');
  const packaging = usePackagingList(farm, kind === 'transplant');
  const resend = useResend<object>();
  const mutation = kind === 'transplant' ? transplant : record;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const settled = {
      onSettled: (_: unknown, error: unknown) => resend.settled(error),
      onSuccess: (answer: { queued: boolean }) => onDone(answer.queued),
    };
    const label = t(`offline.label.${kind}`, { quantity, product: words.product, batch: batch.code });
    if (kind === 'transplant') {
      const destination = {
        ...(to && to !== batch.location_id ? { location: to } : {}),
        ...(pot && pot !== batch.packaging_id ? { packaging: pot } : {}),
      };
      const body = resend.body(JSON.stringify([kind, quantity, destination]), () => ({
        id: newId(),
        from_batch: batch.id,
        quantity,
        to: destination,
      }));
      transplant.mutate({ body: body as NewTransplant, label }, settled);
    } else {
      const body = resend.body(JSON.stringify([kind, quantity]), () => ({
        id: newId(),
        batch: batch.id,
        type: kind,
        quantity: -quantity,
      }));
      record.mutate({ body: body as NewMovement, label }, settled);
    }
  };

  return (
    <Stack component="form" onSubmit={submit} gap="sm" data-testid={`action-${kind}`}>
      <Stepper label={t(`stock.howMany.${kind}`)} value={quantity} onChange={setQuantity} min={1} />
      {kind === 'transplant' && (
        <>
          <Select
            label={t('stock.toPlace')}
            data={places.map((p) => ({ value: p.id, label: p.code ? `${p.name} (${p.code})` : p.name }))}
            value={to}
            onChange={setTo}
            searchable
            allowDeselect={false}
          />
          <Select
            label={t('stock.toPacking')}
            data={(packaging.data ?? []).map((p) => ({ value: p.id, label: p.pot_code ?? p.name }))}
            value={pot}
            onChange={setPot}
            searchable
            allowDeselect={false}
          />
        </>
      )}
      <ErrorNotice error={mutation.error} />
      <Group>
        <Button type="submit" loading={mutation.isPending} color={kind === 'death' ? 'red' : undefined}>
          {t(`stock.save.${kind}`)}
        </Button>
        <Button variant="subtle" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

/** The three changes a worker makes to a batch, one open at a time. */
export function BatchActions({ farm, batch }: { farm: string; batch: Batch }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>();
  const waiting = useWaitingAbout(batch.id);
  if (batch.status !== 'active') return null;
  if (kind) return <BatchAction farm={farm} batch={batch} kind={kind} onDone={() => setKind(undefined)} />;
  return (
    <>
      {waiting && <QueuedNotice farm={farm} />}
      <SimpleGrid cols={3} spacing="xs" data-testid="batch-actions">
        {(['death', 'sale', 'transplant'] as const).map((k) => (
          <Button key={k} variant="light" size="md" h={48} px={4} onClick={() => setKind(k)}>
            {t(`stock.kinds.${k}`)}
          </Button>
        ))}
      </SimpleGrid>
    </>
  );
}

/** One batch on a place's page: what it is, how many, how ready; open it, or change it in a few taps. */
export function BatchCard({ farm, batch, canRecord }: { farm: string; batch: Batch; canRecord: boolean }) {
  const { t } = useTranslation();
  const words = useBatchWords(farm, batch);
  return (
    <Card withBorder data-testid={`batch-${batch.code}`} opacity={batch.status === 'active' ? 1 : 0.7}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div>
            <Text fw={600}>{words.product}</Text>
            <Text size="sm" c="dimmed">
              {words.packaging}
            </Text>
          </div>
          <Text fw={700} fz={24} data-testid="batch-quantity" aria-label={t('stock.quantity')}>
            {batch.quantity}
          </Text>
        </Group>
        <Group gap={6}>
          <Badge color={readinessColour[batch.readiness]} variant="light">
            {t(`stock.readiness.${batch.readiness}`)}
            {batch.ready_on ? ` · ${batch.ready_on}` : ''}
          </Badge>
          {batch.status !== 'active' && <Badge color="gray">{t(`stock.status.${batch.status}`)}</Badge>}
        </Group>
        <Anchor
          component={Link}
          to={`/farms/${farm}/stock/batches/${encodeURIComponent(batch.code)}`}
          mih={48}
          style={{ display: 'flex', alignItems: 'center' }}>
          {batch.code}
        </Anchor>
        {canRecord && <BatchActions farm={farm} batch={batch} />}
      </Stack>
    </Card>
  );
}
