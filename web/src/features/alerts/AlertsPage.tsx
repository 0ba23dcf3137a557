import { Badge, Button, Card, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import { useAlertAction, useAlerts, type Alert } from './api';
import { AlertRules } from './AlertRules';
import { can } from '../../api/generated/permissions';

export const SEVERITY_COLOR = { info: 'blue', warning: 'orange', critical: 'red' } as const;

export function AlertCard({ alert, farm, canAct }: { alert: Alert; farm: string; canAct: boolean }) {
  const { t } = useTranslation();
  const act = useAlertAction(farm);
  return (
    <Card
      withBorder
      data-testid="alert"
      data-state={alert.state}
      style={{ borderLeft: `6px solid var(--mantine-color-${SEVERITY_COLOR[alert.severity]}-7)` }}>
      <Group justify="space-between" wrap="nowrap" align="start">
        <Text fw={700}>{alert.message}</Text>
        <Badge color={SEVERITY_COLOR[alert.severity]}>{t(`severity.${alert.severity}`)}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {t(`alertState.${alert.state}`)} · {timeAgo(alert.triggered_at)}
        {alert.actual_value !== null ? ` · ${t('alerts.value', { value: alert.actual_value })}` : ''}
      </Text>
      <ErrorNotice error={act.error} />
      {canAct && alert.state !== 'resolved' && (
        <Group mt="sm">
          {alert.state === 'triggered' && (
            <Button
              size="md"
              onClick={() => act.mutate({ id: alert.id, action: 'acknowledge' })}
              loading={act.isPending && act.variables?.action === 'acknowledge'}>
              {t('alerts.acknowledge')}
            </Button>
          )}
          <Button
            size="md"
            variant="outline"
            onClick={() => act.mutate({ id: alert.id, action: 'resolve' })}
            loading={act.isPending && act.variables?.action === 'resolve'}>
            {t('alerts.resolve')}
          </Button>
        </Group>
      )}
    </Card>
  );
}

/** The farm's alerts (active or resolved), acknowledge and resolve; and the rules that raise them. */
export function AlertsPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const [state, setState] = useState<'active' | 'resolved'>('active');
  const alerts = useAlerts(farm.slug, state);
  const canAct = can(farm.role, 'records.write');
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('alerts.title')}
      </Title>
      <SegmentedControl
        value={state}
        onChange={(v) => setState(v as typeof state)}
        fullWidth
        data={[
          { value: 'active', label: t('alerts.active') },
          { value: 'resolved', label: t('alerts.resolved') },
        ]}
      />
      {alerts.isPending && <Loading />}
      <ErrorNotice error={alerts.error} />
      {alerts.data?.length === 0 && (
        <Empty title={t(state === 'active' ? 'alerts.noneActive' : 'alerts.noneResolved')} />
      )}
      {alerts.data?.map((alert) => (
        <AlertCard key={alert.id} alert={alert} farm={farm.slug} canAct={canAct} />
      ))}
      <AlertRules farm={farm.slug} canEdit={can(farm.role, 'config.write')} />
    </Stack>
  );
}
