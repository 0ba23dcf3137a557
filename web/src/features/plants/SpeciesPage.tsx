import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { speciesName, useSpecies, type Phase } from './api';

const pair = (v: [number, number] | null | undefined, unit: string) => (v ? `${v[0]} / ${v[1]} ${unit}` : '—');
const span = (v: [number, number] | null | undefined, unit: string) => (v ? `${v[0]}–${v[1]} ${unit}` : '—');

function PhaseTargets({ phase }: { phase: Phase }) {
  const { t } = useTranslation();
  const rows: [string, string][] = [
    [t('catalog.phase.days'), phase.days !== null ? t('phases.typical', { count: phase.days }) : '—'],
    [t('catalog.phase.gdd'), phase.gdd !== null ? String(phase.gdd) : '—'],
    [t('catalog.phase.temp'), pair(phase.temp_c as [number, number] | null, '°C')],
    [t('catalog.phase.humidity'), pair(phase.humidity_pct as [number, number] | null, '%')],
    [t('plants.env.vpd'), span(phase.vpd_kpa as [number, number] | null, 'kPa')],
    [t('catalog.phase.light'), span(phase.photoperiod_h as [number, number] | null, 'h')],
    [t('catalog.phase.ec'), span(phase.ec_ms as [number, number] | null, 'mS/cm')],
    [t('catalog.phase.ph'), span(phase.ph as [number, number] | null, '')],
  ];
  return (
    <Table withRowBorders={false} verticalSpacing={2} fz="sm">
      <Table.Tbody>
        {rows
          .filter(([, v]) => v !== '—')
          .map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Td c="dimmed" w="45%">
                {k}
              </Table.Td>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
      </Table.Tbody>
    </Table>
  );
}

/** One species: its names, family, what it needs, its phases with their targets, its cultivars. */
export function SpeciesPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const { species: ref = '' } = useParams();
  const species = useSpecies(farm.slug, ref);
  if (species.isPending) return <Loading />;
  if (!species.data) return <ErrorNotice error={species.error} />;
  const s = species.data;
  const lang = i18n.language.slice(0, 2);
  const names = s.common_names[lang] ?? s.common_names.en ?? [];
  const familyName = s.family.common_names[lang] ?? s.family.common_names.en;
  const months = (list: number[] | null | undefined) =>
    list && list.length > 0 ? list.map((m) => t(`sowing.month.m${m}`)).join(', ') : '—';
  const facts: [string, string][] = [
    [t('catalog.fact.category'), t(`catalog.categories.${s.category}`)],
    [t('catalog.fact.family'), familyName ? `${s.family.name} (${familyName})` : s.family.name],
    [t('catalog.fact.sowing'), months(s.sowing_months)],
    [t('catalog.fact.harvest'), months(s.harvest_months)],
    [t('catalog.fact.bloom'), months(s.bloom_months)],
    [
      t('catalog.fact.water'),
      s.watering_interval_days ? t('plants.care.water', { count: s.watering_interval_days }) : '—',
    ],
    [t('catalog.fact.spacing'), s.spacing_cm ? `${s.spacing_cm} cm` : '—'],
    [t('catalog.fact.height'), s.height_cm ? `${s.height_cm} cm` : '—'],
    [t('catalog.fact.baseTemp'), `${s.base_temp_c} °C`],
    [
      t('catalog.fact.frost'),
      s.frost_sensitive === null ? '—' : s.frost_sensitive ? t('catalog.yes') : t('catalog.no'),
    ],
    [t('catalog.fact.care'), s.care_preset ? t(`catalog.preset.${s.care_preset}`) : '—'],
    [t('catalog.fact.rotation'), s.rotation_pause_years ? t('catalog.years', { count: s.rotation_pause_years }) : '—'],
  ];
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/catalog`} size="sm" py={12}>
        ← {t('catalog.title')}
      </Anchor>
      <div>
        <Title order={1} fz={26}>
          {speciesName(s, i18n.language)}
        </Title>
        <Text c="dimmed" fs="italic">
          {s.scientific_name}
        </Text>
        {names.length > 1 && <Text size="sm">{names.join(', ')}</Text>}
      </div>
      <Card withBorder>
        <Table withRowBorders={false} verticalSpacing={4}>
          <Table.Tbody>
            {facts
              .filter(([, v]) => v !== '—')
              .map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Td c="dimmed" w="45%">
                    {k}
                  </Table.Td>
                  <Table.Td>{v}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Card withBorder>
        <Title order={2} fz={20} mb="xs">
          {t('phases.title')}
        </Title>
        <Stack gap="sm">
          {s.sequence.phases.map((p, i) => (
            <div key={p.id} data-testid="species-phase">
              <Group gap="xs">
                <Text fw={700}>
                  {i + 1}. {t(`phases.name.${p.key}`, { defaultValue: p.key })}
                </Text>
                {p.harvest_allowed && <Badge color="orange">{t('catalog.phase.harvest')}</Badge>}
              </Group>
              <PhaseTargets phase={p} />
            </div>
          ))}
        </Stack>
      </Card>
      {s.cultivars.length > 0 && (
        <Card withBorder>
          <Title order={2} fz={20} mb="xs">
            {t('catalog.cultivars')}
          </Title>
          <Stack gap={4}>
            {s.cultivars.map((c) => (
              <div key={c.id}>
                <Text fw={600}>{c.name}</Text>
                <Text size="sm" c="dimmed">
                  {[
                    c.days_to_maturity ? t('catalog.maturity', { count: c.days_to_maturity }) : '',
                    ...c.traits,
                    ...c.resistances.map((r) => t('catalog.resists', { what: r })),
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </Text>
              </div>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
