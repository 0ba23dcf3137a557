import { Card, Group, SimpleGrid, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLiveReadings } from '../../api/live';
import { TimeChart } from '../../components/TimeChart';
import { Empty, Loading } from '../../components/states';
import { formatValue, timeAgo } from '../../components/time';
import { useLatest, useRecent } from './api';

const WINDOW_MS = 60 * 60 * 1000;
const MAX_POINTS = 1200;

/** One metric: its current value and a chart of the last hour, moving with every live reading. */
function LiveMetric({
  farm,
  device,
  metric,
  unit,
}: {
  farm: string;
  device: string;
  metric: string;
  unit: string | null;
}) {
  const { t } = useTranslation();
  const [range] = useState(() => ({
    from: new Date(Date.now() - WINDOW_MS).toISOString(),
    to: new Date(Date.now() + 60_000).toISOString(),
  }));
  const recent = useRecent(farm, device, metric, range.from, range.to);
  const [points, setPoints] = useState<{ ts: number; value: number }[]>([]);

  useEffect(() => {
    if (!recent.data) return;
    const seeded = (recent.data.points as { ts: string; value: number }[]).map((p) => ({
      ts: Date.parse(p.ts),
      value: p.value,
    }));
    // Keep live points that arrived while the history loaded.
    setPoints((live) => merge(seeded, live));
  }, [recent.data]);

  useLiveReadings(device, (reading) => {
    if (reading.metric !== metric) return;
    setPoints((list) => merge(list, [{ ts: Date.parse(reading.ts), value: reading.value }]));
  });

  const last = points.at(-1);
  const times = useMemo(() => points.map((p) => p.ts / 1000), [points]);
  const series = useMemo(
    () => [{ label: metric, color: '#1b5e20', values: points.map((p) => p.value) }],
    [points, metric],
  );
  return (
    <Card withBorder data-testid={`metric-${metric}`}>
      <Group justify="space-between" align="baseline">
        <Text fw={700}>{t(`metrics.${metric}`, { defaultValue: metric })}</Text>
        <Text fz={28} fw={800} data-testid="current-value">
          {last ? formatValue(last.value, unit) : '—'}
        </Text>
      </Group>
      <Text size="sm" c="dimmed">
        {last ? timeAgo(new Date(last.ts).toISOString()) : t('devices.noReadings')}
      </Text>
      <TimeChart times={times} series={series} height={180} label={t('devices.liveChartOf', { metric })} />
    </Card>
  );
}

/** Sorted by time, one point per time, the newest MAX_POINTS within the window. */
function merge(a: { ts: number; value: number }[], b: { ts: number; value: number }[]) {
  const byTs = new Map<number, { ts: number; value: number }>();
  for (const p of [...a, ...b]) byTs.set(p.ts, p);
  const cutoff = Date.now() - WINDOW_MS;
  return [...byTs.values()]
    .filter((p) => p.ts >= cutoff)
    .sort((x, y) => x.ts - y.ts)
    .slice(-MAX_POINTS);
}

/** Every metric the device reports, live. A metric seen for the first time gets its chart at once. */
export function LiveMetrics({ farm, device }: { farm: string; device: string }) {
  const { t } = useTranslation();
  const latest = useLatest(farm, device);
  const [seen, setSeen] = useState<string[]>([]);
  useLiveReadings(device, (reading) =>
    setSeen((list) => (list.includes(reading.metric) ? list : [...list, reading.metric])),
  );
  const metrics = useMemo(() => {
    const known = new Map((latest.data ?? []).map((m) => [m.metric, m.unit] as const));
    for (const metric of seen) if (!known.has(metric)) known.set(metric, null);
    return [...known.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [latest.data, seen]);

  if (latest.isPending) return <Loading />;
  if (metrics.length === 0) return <Empty title={t('devices.waiting')}>{t('devices.waitingHint')}</Empty>;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      {metrics.map(([metric, unit]) => (
        <LiveMetric key={metric} farm={farm} device={device} metric={metric} unit={unit} />
      ))}
    </SimpleGrid>
  );
}
