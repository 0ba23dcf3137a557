import { Badge, Card, Group, Text } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { TimeChart } from '../../components/TimeChart';
import { daysAgo, formatValue } from '../../components/time';
import { useWeightDays, type Hive } from './api';

/** The international marking colours, as painted on a queen's thorax. */
export const MARKING: Record<string, string> = {
  white: '#f5f5f5',
  yellow: '#fdd835',
  red: '#e53935',
  green: '#43a047',
  blue: '#1e88e5',
};

export function QueenDot({ colour }: { colour: string | null }) {
  if (!colour) return null;
  return (
    <span
      aria-hidden
      style={{
        display: 'inline-block',
        width: 14,
        height: 14,
        borderRadius: 7,
        background: MARKING[colour] ?? '#999',
        border: '1px solid #555',
        marginRight: 6,
        verticalAlign: 'middle',
      }}
    />
  );
}

/** A hive at a glance: queen, last inspection, 30 days of weight, active alerts. */
export function HiveCard({ farm, hive }: { farm: string; hive: Hive }) {
  const { t } = useTranslation();
  const weight = useWeightDays(farm, hive.id, hive.device !== null);
  const days = useMemo(() => weight.data ?? [], [weight.data]);
  const times = useMemo(() => days.map((d) => Date.parse(`${d.day}T12:00:00Z`) / 1000), [days]);
  const series = useMemo(
    () => [{ label: t('metrics.weight'), color: '#8d6e00', values: days.map((d) => d.weight_kg) }],
    [days, t],
  );
  const queen = hive.current_queen;
  return (
    <Card withBorder component={Link} to={`/farms/${farm}/hives/${hive.id}`} data-testid={`hive-${hive.name}`}>
      <Group justify="space-between" wrap="nowrap">
        <Text fw={700} truncate>
          {hive.name}
        </Text>
        {hive.status !== 'active' && <Badge color="gray">{t(`hiveStatus.${hive.status}`)}</Badge>}
      </Group>
      <Text size="sm">
        {queen ? (
          <>
            <QueenDot colour={queen.marking_colour} />
            {t('hives.queen', { name: queen.name })}
          </>
        ) : (
          t('hives.noQueen')
        )}
      </Text>
      <Text size="sm" c="dimmed" data-testid="last-inspection">
        {hive.last_inspection
          ? t('hives.lastInspection', { when: daysAgo(hive.last_inspection) })
          : t('hives.neverInspected')}
      </Text>
      {hive.active_alerts.map((a) => (
        <Badge key={a.id} color={a.severity === 'critical' ? 'red' : 'orange'} mt={4} mr={4}>
          {a.message}
        </Badge>
      ))}
      {days.length > 1 && (
        <>
          <Text size="sm" mt="xs">
            {t('hives.weightNow', { weight: formatValue(days.at(-1)!.weight_kg, 'kg') })}
          </Text>
          <TimeChart times={times} series={series} height={90} label={t('hives.weightChart')} />
        </>
      )}
    </Card>
  );
}
