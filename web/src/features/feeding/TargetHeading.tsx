import { Anchor, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/states';
import { usePlant, type Target } from './api';

/** Which plant or run a record is for, linked to its page; an unknown one says so. */
export function TargetHeading({ farm, target }: { farm: string; target: Target }) {
  const { t } = useTranslation();
  const plant = usePlant(farm, 'plant' in target ? target.plant : undefined);
  const runId = 'run' in target ? target.run : undefined;
  const run = useQuery({
    queryKey: [farm, 'runs', runId ?? ''] as const,
    enabled: Boolean(runId),
    queryFn: () =>
      unwrap(api.GET('/api/v1/farms/{farm}/planting-runs/{id}', { params: { path: { farm, id: runId ?? '' } } })),
  });
  const error = plant.error ?? run.error;
  if (error) return <ErrorNotice error={error} />;
  const name = plant.data?.label ?? run.data?.name;
  const href = plant.data
    ? `/farms/${farm}/plants/${encodeURIComponent(plant.data.label)}`
    : `/farms/${farm}/runs/${runId ?? ''}`;
  return (
    <Text size="lg" data-testid="record-target">
      {'plant' in target ? t('protection.forPlant') : t('protection.forRun')}{' '}
      <Anchor
        component={Link}
        to={href}
        fw={700}
        style={{ display: 'inline-flex', alignItems: 'center', minHeight: 48 }}>
        {name ?? ('plant' in target ? target.plant : '…')}
      </Anchor>
    </Text>
  );
}
