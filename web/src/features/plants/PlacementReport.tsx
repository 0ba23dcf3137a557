import { Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Placement } from './api';

const ROTATION_COLOUR = { ok: 'field', exempt: 'gray', unknown: 'yellow', violation: 'red' } as const;

/** Each rule of the placement check, in words: rotation, soil-borne diseases, successor, nitrogen, neighbours. */
export function PlacementReport({ report }: { report: Placement }) {
  const { t } = useTranslation();
  const { rotation, successor, nitrogen } = report;
  return (
    <Card withBorder data-testid="placement" data-ok={report.ok}>
      <Title order={3} fz={18} mb="xs">
        {report.ok ? t('plants.placement.ok') : t('plants.placement.refused')}
      </Title>
      <Stack gap="sm">
        <div data-testid="placement-rotation" data-status={rotation.status}>
          <Group gap="xs">
            <Text fw={600}>{t('plants.placement.rotation')}</Text>
            <Badge color={ROTATION_COLOUR[rotation.status]}>{t(`plants.rotationStatus.${rotation.status}`)}</Badge>
          </Group>
          <Text size="sm">
            {rotation.applies
              ? t('plants.placement.pause', { family: rotation.family.name, years: rotation.pause_years })
              : (rotation.exempt_reason ?? t('plants.placement.notInGround'))}
          </Text>
          {rotation.status !== 'ok' && rotation.allowed_from_year !== null && (
            <Text size="sm" fw={600}>
              {t('plants.placement.allowedFrom', { year: rotation.allowed_from_year })}
            </Text>
          )}
          {rotation.checks
            .filter((c) => c.last_planted_on)
            .map((c) => (
              <Text size="sm" c="dimmed" key={`${c.scope}-${c.location.id}`}>
                {t('plants.placement.lastPlanted', {
                  place: c.location.name,
                  date: c.last_planted_on,
                  year: c.allowed_from_year,
                })}
              </Text>
            ))}
        </div>
        <div>
          <Text fw={600}>{t('plants.placement.soilBorne')}</Text>
          {report.shared_soil_borne.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('plants.placement.noSoilBorne')}
            </Text>
          ) : (
            report.shared_soil_borne.map((s) => (
              <Text size="sm" key={s.family.key} c="orange.8">
                {t('plants.placement.shares', {
                  family: s.family.name,
                  date: s.last_planted_on,
                  diseases: s.shared.join(', '),
                })}
              </Text>
            ))
          )}
        </div>
        <div>
          <Text fw={600}>{t('plants.placement.successor')}</Text>
          <Text size="sm">
            {successor.previous.length === 0
              ? t('plants.placement.nothingBefore')
              : successor.good_successor
                ? t('plants.placement.goodAfter', { families: successor.previous.map((f) => f.name).join(', ') })
                : t('plants.placement.notGoodAfter', { families: successor.previous.map((f) => f.name).join(', ') })}
          </Text>
          {successor.after.map((a) => (
            <Text size="sm" c="dimmed" key={a.family}>
              {a.family}: {a.reason}
            </Text>
          ))}
        </div>
        <div>
          <Text fw={600}>{t('plants.placement.nitrogen')}</Text>
          <Text size="sm">
            {nitrogen.fixes_nitrogen
              ? t('plants.placement.fixesNitrogen')
              : nitrogen.follows_nitrogen_fixer
                ? t('plants.placement.followsFixer')
                : t('plants.placement.noNitrogen')}
          </Text>
          {nitrogen.note && (
            <Text size="sm" c="dimmed">
              {nitrogen.note}
            </Text>
          )}
        </div>
        <div>
          <Text fw={600}>{t('plants.placement.companions')}</Text>
          {report.companions.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('plants.placement.noNeighbours')}
            </Text>
          )}
          {report.companions.map((c) => (
            <Text
              size="sm"
              key={c.plant.id}
              c={c.relation === 'incompatible' ? 'red' : undefined}
              data-testid="placement-companion">
              {t(`plants.relation.${c.relation}`, {
                label: c.plant.label,
                species: c.plant.species,
                place: c.plant.location.name,
              })}
              {c.blocks ? ` · ${t('plants.placement.blocks')}` : ''}
              {c.reason ? ` · ${c.reason}` : ''}
            </Text>
          ))}
        </div>
      </Stack>
    </Card>
  );
}
