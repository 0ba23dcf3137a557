import { ActionIcon, Anchor, Box, Card, Group, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { IconChevronLeft, IconChevronRight } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { speciesName, useSowingCalendar, type SowingCalendar } from './api';

const KINDS = [
  { key: 'indoor_sowing', colour: 'var(--mantine-color-violet-6)' },
  { key: 'outdoor_sowing', colour: 'var(--mantine-color-green-7)' },
  { key: 'harvest', colour: 'var(--mantine-color-orange-6)' },
  { key: 'bloom', colour: 'var(--mantine-color-pink-5)' },
] as const;
const MONTH_W = 44;
const NAME_W = 112;
const BAR_H = 7;

type Row = SowingCalendar['data'][number];

/** Where a day falls across the year, 0–1. */
function along(day: string, year: number): number {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return Math.min(1, Math.max(0, (Date.UTC(y, m - 1, d) - start) / (end - start)));
}

function Bars({ row, year }: { row: Row; year: number }) {
  const width = MONTH_W * 12;
  return (
    <Box pos="relative" w={width} h={KINDS.length * (BAR_H + 2) + 4}>
      {Array.from({ length: 11 }, (_, i) => (
        <Box
          key={i}
          pos="absolute"
          top={0}
          bottom={0}
          left={(i + 1) * MONTH_W}
          w={1}
          bg="var(--mantine-color-gray-2)"
        />
      ))}
      {KINDS.map((k, lane) =>
        row[k.key].map((w) => {
          const from = along(w.start, year);
          const to = along(w.end, year) + 1 / 365;
          return (
            <Box
              key={`${k.key}-${w.start}`}
              data-testid={`bar-${k.key}`}
              pos="absolute"
              top={2 + lane * (BAR_H + 2)}
              h={BAR_H}
              left={from * width}
              w={Math.max(3, (to - from) * width)}
              bg={k.colour}
              style={{ borderRadius: 3 }}
            />
          );
        }),
      )}
    </Box>
  );
}

/** A site's sowing calendar as a year chart: a row per species, bars for sowing, harvest and bloom. */
export function SowingPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const { site = '' } = useParams();
  const [year, setYear] = useState(new Date().getFullYear());
  const calendar = useSowingCalendar(farm.slug, site, year);
  const c = calendar.data;
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/catalog`} size="sm" py={12}>
        ← {t('catalog.title')}
      </Anchor>
      <Title order={1} fz={26}>
        {c ? t('sowing.titleOf', { site: c.site.name }) : t('sowing.title')}
      </Title>
      <Group justify="space-between">
        <ActionIcon size={48} variant="light" aria-label={t('sowing.previous')} onClick={() => setYear(year - 1)}>
          <IconChevronLeft />
        </ActionIcon>
        <Text fw={700} fz={22} data-testid="sowing-year">
          {year}
        </Text>
        <ActionIcon size={48} variant="light" aria-label={t('sowing.next')} onClick={() => setYear(year + 1)}>
          <IconChevronRight />
        </ActionIcon>
      </Group>
      <Group gap="md">
        {KINDS.map((k) => (
          <Group gap={6} key={k.key} wrap="nowrap">
            <Box w={16} h={10} bg={k.colour} style={{ borderRadius: 3 }} />
            <Text size="sm">{t(`sowing.kind.${k.key}`)}</Text>
          </Group>
        ))}
      </Group>
      <ErrorNotice error={calendar.error} />
      {calendar.isPending && <Loading />}
      {c && c.data.length === 0 && <Empty title={t('sowing.empty')} />}
      {c && c.data.length > 0 && (
        <Card withBorder p={0}>
          <ScrollArea type="auto" offsetScrollbars>
            <Box w={NAME_W + MONTH_W * 12} p="xs" data-testid="sowing-chart">
              <Group gap={0} wrap="nowrap">
                <Box w={NAME_W} />
                {Array.from({ length: 12 }, (_, i) => (
                  <Text key={i} w={MONTH_W} size="xs" ta="center" c="dimmed">
                    {t(`sowing.month.m${i + 1}`)}
                  </Text>
                ))}
              </Group>
              {c.data.map((row) => (
                <Group
                  key={row.species.id}
                  gap={0}
                  wrap="nowrap"
                  py={4}
                  style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
                  data-testid="sowing-row">
                  <Anchor
                    component={Link}
                    to={`/farms/${farm.slug}/catalog/${row.species.id}`}
                    w={NAME_W}
                    pr={6}
                    size="sm"
                    lineClamp={2}>
                    {speciesName(row.species, i18n.language)}
                  </Anchor>
                  <Bars row={row} year={year} />
                </Group>
              ))}
            </Box>
          </ScrollArea>
        </Card>
      )}
      {c && (
        <Card withBorder>
          <Title order={2} fz={18} mb="xs">
            {t('sowing.assumptions')}
          </Title>
          <Stack gap={4}>
            <Text size="sm">
              {t(`sowing.climate.${c.climate}`)} · {t(`sowing.hemisphere.${c.hemisphere}`)} ·{' '}
              {t(`sowing.latitude.${c.latitude_source}`, { lat: c.latitude.toFixed(1) })}
            </Text>
            {c.frost && (
              <Text size="sm">
                {t('sowing.frost', { last: c.frost.last, first: c.frost.first, safe: c.frost.safe })}
              </Text>
            )}
            {c.defaults.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('sowing.noDefaults')}
              </Text>
            )}
            {c.defaults.map((d) => (
              <Text size="sm" key={d.name} data-testid="sowing-default">
                {t(`sowing.assumed.${d.name}`, { value: d.value })}
              </Text>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
