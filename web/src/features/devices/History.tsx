import { Card, Group, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TimeChart } from '../../components/TimeChart';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useHistory, useLatest, type Resolution } from './api';

const RANGES = {
  '24h': { hours: 24, resolution: 'hour' },
  '7d': { hours: 24 * 7, resolution: 'hour' },
  '30d': { hours: 24 * 30, resolution: 'day' },
  '1y': { hours: 24 * 365, resolution: 'day' },
} as const satisfies Record<string, { hours: number; resolution: Resolution }>;
type Range = keyof typeof RANGES;

type Bucket = { ts: string; min: number; max: number; avg: number };

/** Hourly or daily minimum, average and maximum of one metric over a chosen range. */
export function History({ farm, device }: { farm: string; device: string }) {
  const { t } = useTranslation();
  const latest = useLatest(farm, device);
  const [metric, setMetric] = useState<string | null>(null);
  const [range, setRange] = useState<Range>('24h');
  const chosen = metric ?? latest.data?.[0]?.metric ?? null;
  const window = useMemo(() => {
    const hour = 3_600_000;
    const to = Math.ceil(Date.now() / hour) * hour;
    return { from: new Date(to - RANGES[range].hours * hour).toISOString(), to: new Date(to).toISOString() };
  }, [range]);
  const resolution = RANGES[range].resolution;
  const history = useHistory(farm, device, chosen ?? '', resolution, window.from, window.to);
  const buckets = useMemo(() => (history.data?.points ?? []) as Bucket[], [history.data]);
  const times = useMemo(() => buckets.map((b) => Date.parse(b.ts) / 1000), [buckets]);
  const series = useMemo(
    () => [
      { label: t('history.max'), color: '#c62828', values: buckets.map((b) => b.max), dash: [6, 4] },
      { label: t('history.avg'), color: '#1b5e20', values: buckets.map((b) => b.avg) },
      { label: t('history.min'), color: '#1565c0', values: buckets.map((b) => b.min), dash: [6, 4] },
    ],
    [buckets, t],
  );

  if (latest.isPending) return <Loading />;
  if (!chosen) return <Empty title={t('devices.waiting')}>{t('devices.waitingHint')}</Empty>;
  return (
    <Stack gap="sm">
      <Group gap="sm" wrap="wrap">
        <Select
          aria-label={t('history.metric')}
          data={(latest.data ?? []).map((m) => ({
            value: m.metric,
            label: t(`metrics.${m.metric}`, { defaultValue: m.metric }),
          }))}
          value={chosen}
          allowDeselect={false}
          onChange={setMetric}
          w={200}
        />
        <SegmentedControl
          aria-label={t('history.range')}
          value={range}
          onChange={(v) => setRange(v as Range)}
          data={Object.keys(RANGES).map((r) => ({ value: r, label: t(`history.ranges.${r}`) }))}
        />
      </Group>
      <Text size="sm" c="dimmed">
        {t(resolution === 'hour' ? 'history.hourly' : 'history.daily')}
      </Text>
      <ErrorNotice error={history.error} />
      {history.isPending ? (
        <Loading />
      ) : buckets.length === 0 ? (
        <Empty title={t('history.empty')} />
      ) : (
        <Card withBorder>
          <TimeChart times={times} series={series} height={260} label={t('history.chartOf', { metric: chosen })} />
        </Card>
      )}
    </Stack>
  );
}
