import { Badge, Button, Card, Group, NavLink, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { IconChevronRight, IconQrcode, IconSearch } from '@tabler/icons-react';
import { useCallback, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { byQr, usePlaces } from '../locations/api';
import { QrScan } from '../locations/QrScan';
import { useAvailability, useBatches, type AvailabilityLine } from './api';
import { readinessColour, useStoragePlaces } from './parts';

/** A batch label's link (…/stock/batches/CODE) gives its code; a place's label is read by the scanner itself. */
export function batchOfLabel(text: string): string | undefined {
  const match = /\/stock\/batches\/([^/?#]+)/.exec(text);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** Where a product in a pot stands: its active batches' quantities by place. */
function Places({ farm, line }: { farm: string; line: AvailabilityLine }) {
  const { t } = useTranslation();
  const batches = useBatches(farm, { product: line.product.id });
  const places = usePlaces(farm);
  if (batches.isPending) return <Loading />;
  if (!batches.data) return <ErrorNotice error={batches.error} />;
  const names = new Map((places.data ?? []).map((p) => [p.id, p.code ? `${p.name} (${p.code})` : p.name]));
  const byPlace = new Map<string, number>();
  for (const b of batches.data)
    if (
      b.status === 'active' &&
      b.readiness === line.readiness &&
      b.packaging_id === line.packaging.id &&
      (b.size_id ?? null) === (line.size?.id ?? null) &&
      (b.state_id ?? null) === (line.state?.id ?? null)
    )
      byPlace.set(b.location_id, (byPlace.get(b.location_id) ?? 0) + b.quantity);
  return (
    <Stack gap={0} aria-label={t('stock.where')}>
      {[...byPlace].map(([id, quantity]) => (
        <NavLink
          key={id}
          component={Link}
          to={`/farms/${farm}/stock/locations/${id}`}
          label={names.get(id) ?? '…'}
          rightSection={
            <Group gap={4} wrap="nowrap">
              <Text fw={600}>{quantity}</Text>
              <IconChevronRight size={16} />
            </Group>
          }
          mih={48}
        />
      ))}
    </Stack>
  );
}

/** One line of the availability list: a product in a pot (size, state), how many, how ready; where it stands. */
function Line({ farm, line }: { farm: string; line: AvailabilityLine }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const pot = [line.packaging.pot_code ?? line.packaging.name, line.size?.name, line.state?.name]
    .filter(Boolean)
    .join(' · ');
  return (
    <Card withBorder padding="sm" data-testid={`availability-${line.product.sku}`}>
      <UnstyledButton onClick={() => setOpen((o) => !o)} mih={48} w="100%" aria-expanded={open}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div>
            <Text fw={600}>{line.product.name}</Text>
            <Text size="sm" c="dimmed">
              {line.product.sku} · {pot}
            </Text>
            <Badge mt={4} color={readinessColour[line.readiness]} variant="light">
              {t(`stock.readiness.${line.readiness}`)}
              {line.ready_on ? ` · ${line.ready_on}` : ''}
            </Badge>
          </div>
          <Text fw={700} fz={24}>
            {line.quantity}
          </Text>
        </Group>
      </UnstyledButton>
      {open && <Places farm={farm} line={line} />}
    </Card>
  );
}

/** `stock`: scan a place's label; what the nursery has (the availability list) and where; its storage places. */
export function StockPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const availability = useAvailability(farm.slug);
  const storage = useStoragePlaces(farm.slug);
  const [search, setSearch] = useState('');
  const [scanning, setScanning] = useState(false);
  const [scanError, setScanError] = useState<unknown>();

  const scanned = useCallback(
    (value: string) => {
      setScanning(false);
      setScanError(undefined);
      const batch = batchOfLabel(value);
      if (batch) {
        void navigate(`/farms/${farm.slug}/stock/batches/${encodeURIComponent(batch)}`);
        return;
      }
      byQr(farm.slug, value).then(
        (place) => void navigate(`/farms/${farm.slug}/stock/locations/${place.id}`),
        setScanError,
      );
    },
    [farm.slug, navigate],
  );

  const needle = search.trim().toLocaleLowerCase();
  const lines = useMemo(
    () =>
      (availability.data ?? []).filter((l) =>
        [l.product.name, l.product.sku, l.packaging.name, l.packaging.sku, l.packaging.pot_code, l.size?.name]
          .filter(Boolean)
          .some((w) => w!.toLocaleLowerCase().includes(needle)),
      ),
    [availability.data, needle],
  );
  const places = storage.filter(
    (p) => !needle || p.name.toLocaleLowerCase().includes(needle) || p.code?.toLocaleLowerCase().includes(needle),
  );

  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('stock.title')}
      </Title>
      <Button
        size="xl"
        h={64}
        leftSection={<IconQrcode size={28} />}
        onClick={() => {
          setScanError(undefined);
          setScanning(true);
        }}>
        {t('stock.scan')}
      </Button>
      <ErrorNotice error={scanError} />
      <QrScan opened={scanning} onClose={() => setScanning(false)} onValue={scanned} />
      <TextInput
        label={t('stock.search')}
        leftSection={<IconSearch size={18} />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        type="search"
      />
      <Title order={2} fz={20}>
        {t('stock.availability')}
      </Title>
      {availability.isPending && <Loading />}
      <ErrorNotice error={availability.error} />
      {availability.data && lines.length === 0 && (
        <Empty title={needle ? t('stock.nothingFound') : t('stock.empty')}>{needle ? '' : t('stock.emptyHint')}</Empty>
      )}
      {lines.map((l) => (
        <Line
          key={`${l.product.id}/${l.packaging.id}/${l.size?.id ?? ''}/${l.state?.id ?? ''}/${l.readiness}`}
          farm={farm.slug}
          line={l}
        />
      ))}
      {places.length > 0 && (
        <>
          <Title order={2} fz={20}>
            {t('stock.places')}
          </Title>
          <Card withBorder padding={0}>
            {places.map((p) => (
              <NavLink
                key={p.id}
                component={Link}
                to={`/farms/${farm.slug}/stock/locations/${p.id}`}
                label={p.name}
                description={p.code ?? undefined}
                rightSection={<IconChevronRight size={16} />}
                mih={48}
                data-testid={`place-${p.name}`}
              />
            ))}
          </Card>
        </>
      )}
    </Stack>
  );
}
