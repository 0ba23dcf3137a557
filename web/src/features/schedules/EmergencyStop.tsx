import { Alert, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../../components/states';
import { dateTime } from '../../components/time';
import { useEmergencyStop } from './api';

/**
 * The farm's emergency stop: every channel goes to its safe state and schedules hold until released.
 * Two taps (press, then confirm) so a pocket cannot trigger it.
 */
export function EmergencyStop({ farm, canUse }: { farm: string; canUse: boolean }) {
  const { t } = useTranslation();
  const { state, stop, release } = useEmergencyStop(farm);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const holding = state.data?.holding;
  if (holding) {
    return (
      <Alert color="red" variant="filled" title={t('stop.holding')} data-testid="emergency-holding">
        <Text>
          {t('stop.since', { when: dateTime(state.data?.stop?.started_at) })}
          {state.data?.stop?.reason ? ` · ${state.data.stop.reason}` : ''}
        </Text>
        <ErrorNotice error={release.error} />
        {canUse && (
          <Button mt="sm" color="dark" variant="white" onClick={() => release.mutate()} loading={release.isPending}>
            {t('stop.release')}
          </Button>
        )}
      </Alert>
    );
  }
  if (!canUse) return null;
  return (
    <Stack gap="xs">
      {!confirming ? (
        <Button color="red" variant="outline" onClick={() => setConfirming(true)}>
          {t('stop.button')}
        </Button>
      ) : (
        <Alert color="red" variant="light" title={t('stop.confirmTitle')}>
          <Text size="sm" mb="xs">
            {t('stop.confirmText')}
          </Text>
          <TextInput
            label={t('stop.reason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            mb="xs"
          />
          <Group>
            <Button
              color="red"
              onClick={() => stop.mutate(reason.trim(), { onSuccess: () => setConfirming(false) })}
              loading={stop.isPending}>
              {t('stop.confirm')}
            </Button>
            <Button variant="subtle" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Alert>
      )}
      <ErrorNotice error={stop.error} />
    </Stack>
  );
}
