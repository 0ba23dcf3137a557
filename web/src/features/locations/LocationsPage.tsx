import {
  Alert,
  Button,
  Card,
  FileButton,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiError } from '../../api/client';
import { can } from '../../api/generated/permissions';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { formatValue } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import {
  byQr,
  lookup,
  useLocationTypes,
  usePlaceActions,
  usePlaces,
  useWebConfig,
  type FeatureCollection,
  type Geometry,
  type Place,
} from './api';
import { printLabels } from './labels';
import { PlacesMap } from './PlacesMap';
import { QrScan } from './QrScan';

/** Parents before children, each after its parent, for an indented tree. */
function treeOrder(places: Place[]): Place[] {
  const children = new Map<string | null, Place[]>();
  for (const p of places) children.set(p.parent_id, [...(children.get(p.parent_id) ?? []), p]);
  const out: Place[] = [];
  const walk = (parent: string | null) => {
    for (const p of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push(p);
      walk(p.id);
    }
  };
  walk(null);
  return out;
}

/** Names a freshly drawn shape: what it is and where it belongs (only parents that may hold that type). */
function NewShapeForm({
  farm,
  geometry,
  places,
  onDone,
}: {
  farm: string;
  geometry: Geometry;
  places: Place[];
  onDone: (id?: string) => void;
}) {
  const { t } = useTranslation();
  const types = useLocationTypes();
  const { create } = usePlaceActions(farm);
  const [name, setName] = useState('');
  const [type, setType] = useState<string | null>('field');
  const [parent, setParent] = useState<string | null>(null);
  const byType = new Map((types.data ?? []).map((x) => [x.type, x]));
  const parents = places.filter((p) => type && byType.get(p.type)?.children.includes(type));
  const rootAllowed = type ? (byType.get(type)?.can_be_root ?? false) : false;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name: name.trim(), type: type!, geometry, ...(parent ? { parent_id: parent } : {}) },
      { onSuccess: (p) => onDone(p.id) },
    );
  };
  return (
    <Card withBorder component="form" onSubmit={submit} data-testid="new-shape">
      <Title order={2} fz={20} mb="sm">
        {t('locations.newShape')}
      </Title>
      <Stack gap="sm">
        <TextInput label={t('locations.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Select
          label={t('locations.type')}
          data={(types.data ?? []).map((x) => ({
            value: x.type,
            label: t(`locationTypes.${x.type}`, { defaultValue: x.description }),
          }))}
          value={type}
          allowDeselect={false}
          searchable
          onChange={(v) => {
            setType(v);
            setParent(null);
          }}
        />
        <Select
          label={t('locations.parent')}
          placeholder={rootAllowed ? t('locations.noParent') : t('locations.pickParent')}
          clearable={rootAllowed}
          data={parents.map((p) => ({ value: p.id, label: p.name }))}
          value={parent}
          onChange={setParent}
        />
        <ErrorNotice error={create.error} />
        <Group>
          <Button
            type="submit"
            loading={create.isPending}
            disabled={!name.trim() || !type || (!rootAllowed && !parent)}>
            {t('locations.save')}
          </Button>
          <Button variant="subtle" onClick={() => onDone()}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** The farm's places: a map of its own shapes and the tree; draw, reshape, import, find where I am, labels. */
export function LocationsPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const places = usePlaces(farm.slug);
  const config = useWebConfig();
  const { reshape, importGeoJson } = usePlaceActions(farm.slug);
  const [params, setParams] = useSearchParams();
  const selected = params.get('id');
  const select = (id: string | null) => setParams(id ? { id } : {}, { replace: true });
  const [drawing, setDrawing] = useState(false);
  const [drawn, setDrawn] = useState<Geometry>();
  const [editing, setEditing] = useState(false);
  const [edited, setEdited] = useState<Geometry>();
  const [here, setHere] = useState<[number, number] | null>(null);
  const [found, setFound] = useState<string>();
  const [problem, setProblem] = useState<unknown>();
  const [scanning, setScanning] = useState(false);
  const tree = useMemo(() => treeOrder(places.data ?? []), [places.data]);
  const current = places.data?.find((p) => p.id === selected);
  const canEdit = can(farm.role, 'config.write');

  const whereAmI = () => {
    setProblem(undefined);
    setFound(undefined);
    if (!('geolocation' in navigator)) return setFound(t('locations.noGps'));
    const found = async (position: GeolocationPosition) => {
      const { latitude, longitude } = position.coords;
      setHere([latitude, longitude]);
      try {
        const result = await lookup(farm.slug, latitude, longitude);
        select(result.location.id);
        setFound(
          t('locations.youAreIn', { path: [...result.ancestors.map((a) => a.name), result.location.name].join(' › ') }),
        );
      } catch (error) {
        setFound(t('locations.nowhere'));
        if (!(error instanceof ApiError && error.status === 404)) setProblem(error);
      }
    };
    navigator.geolocation.getCurrentPosition(
      (position) => void found(position),
      () => setFound(t('locations.noGps')),
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  };

  const scanned = async (value: string) => {
    setScanning(false);
    try {
      select((await byQr(farm.slug, value)).id);
    } catch (error) {
      setProblem(error);
    }
  };
  // A label scanned by the phone's own camera app opens …/locations/qr/VALUE, which lands here as ?qr=.
  const qr = params.get('qr');
  useEffect(() => {
    if (qr) void scanned(qr);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qr]);

  const importFile = async (file: File | null) => {
    if (!file) return;
    setProblem(undefined);
    try {
      await importGeoJson.mutateAsync(JSON.parse(await file.text()) as FeatureCollection);
    } catch (error) {
      setProblem(error instanceof SyntaxError ? new Error(t('locations.notGeoJson')) : error);
    }
  };

  const label = async () => {
    if (!current) return;
    try {
      await printLabels(farm.slug, current.id, t('locations.labelsOf', { name: current.name }));
    } catch (error) {
      setProblem(error);
    }
  };

  if (places.isPending) return <Loading />;
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('locations.title')}
      </Title>
      <SimpleGrid cols={2} spacing="xs">
        <Button onClick={whereAmI} variant="light">
          {t('locations.whereAmI')}
        </Button>
        <Button onClick={() => setScanning(true)} variant="light">
          {t('locations.scan')}
        </Button>
        {canEdit && !drawing && !drawn && (
          <Button
            onClick={() => {
              select(null);
              setDrawing(true);
            }}>
            {t('locations.draw')}
          </Button>
        )}
        {canEdit && (
          <FileButton
            onChange={(file) => void importFile(file)}
            accept=".geojson,.json,application/geo+json,application/json">
            {(props) => (
              <Button variant="outline" {...props} loading={importGeoJson.isPending}>
                {t('locations.import')}
              </Button>
            )}
          </FileButton>
        )}
      </SimpleGrid>
      {drawing && (
        <Alert color="blue" variant="light">
          {t('locations.drawHint')}{' '}
          <Button size="md" variant="subtle" onClick={() => setDrawing(false)}>
            {t('common.cancel')}
          </Button>
        </Alert>
      )}
      {found && (
        <Alert color="field" variant="light" data-testid="where-am-i" role="status">
          {found}
        </Alert>
      )}
      <ErrorNotice error={problem ?? places.error ?? importGeoJson.error ?? reshape.error} />
      {importGeoJson.data && (
        <Text role="status">{t('locations.imported', { count: importGeoJson.data.data.length })}</Text>
      )}
      <PlacesMap
        places={places.data ?? []}
        selected={selected}
        onSelect={select}
        tiles={config.data?.map_tiles ?? null}
        label={t('locations.map')}
        drawing={drawing}
        onDrawn={(geometry) => {
          setDrawing(false);
          setDrawn(geometry);
        }}
        editing={editing}
        onEdited={setEdited}
        here={here}
      />
      {drawn && (
        <NewShapeForm
          farm={farm.slug}
          geometry={drawn}
          places={places.data ?? []}
          onDone={(id) => {
            setDrawn(undefined);
            if (id) select(id);
          }}
        />
      )}
      {current && (
        <Card withBorder data-testid="place">
          <Title order={2} fz={20}>
            {current.name}
          </Title>
          <Text c="dimmed">
            {t(`locationTypes.${current.type}`, { defaultValue: current.type })}
            {current.area_m2 ? ` · ${formatValue(Math.round(current.area_m2), 'm²')}` : ''}
            {current.code ? ` · ${current.code}` : ''}
          </Text>
          <Group mt="sm" gap="xs">
            <Button variant="light" onClick={() => void label()}>
              {t('locations.printLabels')}
            </Button>
            {canEdit && current.geometry && !editing && (
              <Button variant="subtle" onClick={() => setEditing(true)}>
                {t('locations.reshape')}
              </Button>
            )}
            {editing && (
              <>
                <Button
                  onClick={() =>
                    edited &&
                    reshape.mutate({ id: current.id, geometry: edited }, { onSuccess: () => setEditing(false) })
                  }
                  disabled={!edited}
                  loading={reshape.isPending}>
                  {t('locations.saveShape')}
                </Button>
                <Button
                  variant="subtle"
                  onClick={() => {
                    setEditing(false);
                    setEdited(undefined);
                  }}>
                  {t('common.cancel')}
                </Button>
              </>
            )}
          </Group>
        </Card>
      )}
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('locations.tree')}
        </Title>
        {tree.length === 0 && <Empty title={t('locations.empty')}>{t('locations.emptyHint')}</Empty>}
        {tree.map((p) => (
          <UnstyledButton
            key={p.id}
            onClick={() => select(p.id)}
            data-testid={`tree-${p.name}`}
            aria-current={p.id === selected ? 'true' : undefined}
            style={{
              display: 'block',
              width: '100%',
              minHeight: 44,
              paddingLeft: 8 + p.depth * 20,
              fontWeight: p.id === selected ? 800 : 500,
            }}>
            {p.name}{' '}
            <Text span size="sm" c="dimmed">
              {t(`locationTypes.${p.type}`, { defaultValue: p.type })}
            </Text>
          </UnstyledButton>
        ))}
      </Card>
      <QrScan opened={scanning} onClose={() => setScanning(false)} onValue={(value) => void scanned(value)} />
    </Stack>
  );
}
