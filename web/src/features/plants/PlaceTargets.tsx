import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFarm } from '../farms/FarmRoute';
import { useAlertRules } from '../alerts/api';
import { useClimate, useTargetSource } from './api';

const range = (a: number | null, b: number | null, unit: string) =>
  a === null && b === null ? '—' : `${a ?? '—'} / ${b ?? '—'} ${unit}`;

/**
 * Where a place follows its crop's targets: the targets its run's phase sets now, the light schedule
 * deciding day and night, the alert rules that follow them, and the sensors the climate comes from.
 * Says nothing when the place follows no crop.
 */
export function PlaceTargets({ location }: { location: string | null }) {
  const { t } = useTranslation();
  const farm = useFarm();
  const source = useTargetSource(farm.slug, location);
  const climate = useClimate(farm.slug, location);
  const rules = useAlertRules(farm.slug);
  if (!location || !source.data) return null;
  const { targets, problem } = source.data;
  if (!targets) {
    if (problem?.code !== 'TARGET_SOURCE_AMBIGUOUS') return null;
    return (
      <Card withBorder data-testid="place-targets">
        <Title order={2} fz={20} mb="xs">
          {t('plants.targets.title')}
        </Title>
        <Text size="sm">{t('plants.targets.ambiguous', { runs: problem.runs.map((r) => r.name).join(', ') })}</Text>
      </Card>
    );
  }
  const following = (rules.data ?? []).filter((r) => r.location_id === location && r.follow === 'phase_target');
  const sensors = climate.data?.resolved;
  return (
    <Card withBorder data-testid="place-targets">
      <Title order={2} fz={20} mb="xs">
        {t('plants.targets.title')}
      </Title>
      <Stack gap={4}>
        <Text size="sm">
          {t('plants.targets.from', {
            run: targets.run.name,
            phase: t(`phases.name.${targets.phase}`, { defaultValue: targets.phase }),
          })}
        </Text>
        <Text size="sm">
          {t('plants.targets.day')}: {range(targets.day.temperature_c, targets.day.humidity_pct, '°C / %')}
        </Text>
        <Text size="sm">
          {t('plants.targets.night')}: {range(targets.night.temperature_c, targets.night.humidity_pct, '°C / %')}
        </Text>
        {targets.vpd_kpa && (
          <Text size="sm">
            {t('plants.env.vpd')}: {targets.vpd_kpa.min}–{targets.vpd_kpa.max} kPa
          </Text>
        )}
        <Text size="sm" fw={600}>
          {targets.light.schedule
            ? t('plants.targets.lightSchedule', {
                name: targets.light.schedule.name,
                start: targets.light.start,
                hours: targets.light.hours,
              })
            : t('plants.targets.lightDefault', { start: targets.light.start, hours: targets.light.hours })}
        </Text>
        {targets.light.schedule && (
          <Anchor component={Link} to={`/farms/${farm.slug}/schedules/${targets.light.schedule.id}`} py={12}>
            {t('plants.targets.openSchedule')}
          </Anchor>
        )}
        <Text fw={600} mt="xs">
          {t('plants.targets.rules')}
        </Text>
        {following.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('plants.targets.noRules')}
          </Text>
        )}
        {following.map((r) => (
          <Text size="sm" key={r.id} data-testid="following-rule">
            {r.name}
            {r.targets_now
              ? ` · ${t('plants.targets.ruleNow', {
                  low: r.targets_now.low,
                  high: r.targets_now.high,
                  period: t(`plants.targets.${r.targets_now.period}`),
                })}`
              : ''}
          </Text>
        ))}
        {sensors && (
          <Text size="sm" c="dimmed" mt="xs">
            {t('plants.targets.sensors', {
              temperature: sensors.temperature?.devices.join(', ') || '—',
              humidity: sensors.humidity?.devices.join(', ') || '—',
            })}
          </Text>
        )}
      </Stack>
    </Card>
  );
}
