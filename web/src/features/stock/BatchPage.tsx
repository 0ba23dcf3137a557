import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { labels, saveLabel, useBatch, useMovements, usePlace, useStockActions, type Batch } from './api';
import { BatchActions, readinessColour, useBatchWords } from './parts';

/** Close a batch (it takes no more movements), with a reason, after a second tap. */
function CloseBatch({ farm, batch }: { farm: string; batch: Batch }) {
  const { t } = useTranslation();
  const { close } = useStockActions(farm);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  if (!open)
    return (
      <Button variant="subtle" color="red" onClick={() => setOpen(true)}>
        {t('stock.close')}
      </Button>
    );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    close.mutate({ id: batch.id, reason: reason.trim() || undefined }, { onSuccess: () => setOpen(false) });
  };
  return (
    <Card withBorder component="form" onSubmit={submit}>
      <Stack gap="sm">
        <Text>{t('stock.closeWhat', { quantity: batch.quantity })}</Text>
        <TextInput label={t('stock.closeReason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <ErrorNotice error={close.error} />
        <Group>
          <Button type="submit" color="red" loading={close.isPending}>
            {t('stock.closeConfirm')}
          </Button>
          <Button variant="subtle" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** A batch's movements, newest first. */
function History({ farm, id }: { farm: string; id: string }) {
  const { t, i18n } = useTranslation();
  const movements = useMovements(farm, id);
  if (movements.isPending) return <Loading />;
  if (!movements.data) return <ErrorNotice error={movements.error} />;
  const rows = movements.data.pages.flatMap((p) => p.data);
  if (rows.length === 0) return <Empty title={t('stock.noMovements')} />;
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <Stack gap="xs">
      <Table striped verticalSpacing="sm">
        <Table.Tbody>
          {rows.map((m) => (
            <Table.Tr key={m.id} data-testid="movement">
              <Table.Td>
                <Text size="sm" fw={500}>
                  {t(`stock.movementTypes.${m.type}`)}
                  {m.source === 'ai' ? ` · ${t('stock.byPhoto')}` : ''}
                </Text>
                <Text size="xs" c="dimmed">
                  {when.format(new Date(m.occurred_at))}
                  {m.note ? ` · ${m.note}` : ''}
                </Text>
              </Table.Td>
              <Table.Td ta="right" fw={600} c={m.quantity < 0 ? 'red.8' : 'green.8'}>
                {m.quantity > 0 ? `+${m.quantity}` : m.quantity}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {movements.hasNextPage && (
        <Button variant="light" onClick={() => void movements.fetchNextPage()} loading={movements.isFetchingNextPage}>
          {t('stock.loadMore')}
        </Button>
      )}
      <ErrorNotice error={movements.error} />
    </Stack>
  );
}

/** `stock/batches/:batch` (its id or code, as its label's QR code opens it): the batch, its changes, its history. */
export function BatchPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { batch: ref = '' } = useParams();
  const batch = useBatch(farm.slug, ref);
  const place = usePlace(farm.slug, batch.data?.location_id ?? '');
  const words = useBatchWords(farm.slug, batch.data);
  const [printing, setPrinting] = useState<unknown>();
  if (batch.isPending) return <Loading />;
  if (!batch.data) return <ErrorNotice error={batch.error} />;
  const b = batch.data;
  const canRecord = can(farm.role, 'records.write');
  const save = () => {
    setPrinting(undefined);
    saveLabel(() => labels.batch(farm.slug, b.id), `${b.code}.svg`).catch(setPrinting);
  };
  const dates = (
    [
      ['plantedOn', b.planted_on],
      ['germinatedOn', b.germinated_on],
      ['transplantedOn', b.transplanted_on],
      ['readyOn', b.ready_on],
    ] as const
  ).filter(([, d]) => d);

  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/stock/locations/${b.location_id}`} size="sm">
        ← {place.data?.name ?? t('stock.title')}
      </Anchor>
      <div>
        <Title order={1} fz={22} style={{ overflowWrap: 'anywhere' }}>
          {b.code}
        </Title>
        <Text fw={600}>{words.product}</Text>
        <Text c="dimmed">{words.packaging}</Text>
      </div>
      <Card withBorder>
        <Group justify="space-between" align="flex-start">
          <div>
            <Text size="sm" c="dimmed">
              {t('stock.quantity')}
            </Text>
            <Text fz={32} fw={700} data-testid="batch-quantity">
              {b.quantity}
            </Text>
            {b.empty_containers > 0 && (
              <Text size="sm" c="dimmed">
                {t('stock.emptyPots', { count: b.empty_containers })}
              </Text>
            )}
          </div>
          <Stack gap={6} align="flex-end">
            <Badge color={readinessColour[b.readiness]} variant="light">
              {t(`stock.readiness.${b.readiness}`)}
            </Badge>
            <Badge color={b.status === 'active' ? 'blue' : 'gray'} data-testid="batch-status">
              {t(`stock.status.${b.status}`)}
            </Badge>
            {b.health && (
              <Badge color={{ good: 'green', warning: 'orange', critical: 'red' }[b.health]} variant="outline">
                {t(`stock.health.${b.health}`)}
              </Badge>
            )}
          </Stack>
        </Group>
        {dates.length > 0 && (
          <Stack gap={2} mt="sm">
            {dates.map(([key, day]) => (
              <Text key={key} size="sm">
                {t(`stock.dates.${key}`, { date: day })}
              </Text>
            ))}
          </Stack>
        )}
      </Card>
      {canRecord && <BatchActions farm={farm.slug} batch={b} />}
      <Group justify="space-between">
        <Button variant="subtle" leftSection={<IconDownload size={20} />} onClick={save}>
          {t('stock.saveLabel')}
        </Button>
        {canRecord && b.status === 'active' && <CloseBatch farm={farm.slug} batch={b} />}
      </Group>
      <ErrorNotice error={printing} />
      <Title order={2} fz={20}>
        {t('stock.history')}
      </Title>
      <History farm={farm.slug} id={b.id} />
    </Stack>
  );
}
