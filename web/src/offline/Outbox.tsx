import { ActionIcon, Alert, Badge, Button, Card, CloseButton, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconCloudUpload, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../api/client';
import { useSession } from '../api/session';
import { Empty, ErrorNotice } from '../components/states';
import { formatLocale } from '../components/time';
import { useFarm } from '../features/farms/FarmRoute';
import type { QueuedWrite } from './db';
import { outbox } from './outbox';

/** The signed-in person's writes waiting on this phone, as they change. */
export function useOutbox(): readonly QueuedWrite[] {
  return useSyncExternalStore(outbox.subscribe, outbox.snapshot);
}

/** Whether a write about this record (a task, a batch, a hive) waits on the phone. */
export function useWaitingAbout(subject: string): boolean {
  return useOutbox().some((item) => item.subject === subject && item.state !== 'refused');
}

/** Once Croft stored a queued write, the farm's pages ask again for what it changed (the open ones now). */
export function useRefreshWhenSent(): void {
  const client = useQueryClient();
  useEffect(() => outbox.onSent((write) => void client.invalidateQueries({ queryKey: [write.farm] })), [client]);
}

/** The header's "n waiting to send" (red when Croft refused one), opening the list. */
export function OutboxBadge({ farm }: { farm: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const items = useOutbox();
  if (items.length === 0) return null;
  const refused = items.filter((item) => item.state === 'refused').length;
  const waiting = items.length - refused;
  const words = [
    waiting ? t('offline.waitingCount', { count: waiting }) : '',
    refused ? t('offline.refusedCount', { count: refused }) : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <Tooltip label={words}>
      <Button
        size="compact-md"
        color={refused ? 'red' : 'yellow'}
        c={refused ? undefined : 'dark'}
        leftSection={<IconCloudUpload size={18} />}
        onClick={() => navigate(`/farms/${farm}/outbox`)}
        aria-label={words}
        data-testid="outbox-badge"
        data-waiting={waiting}
        data-refused={refused}>
        {items.length}
      </Button>
    </Tooltip>
  );
}

/** Said under a form whose write was kept on the phone. */
export function QueuedNotice({ farm }: { farm: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" variant="light" role="status" data-testid="queued-notice">
      <Text size="sm">{t('offline.queued')}</Text>
      <Link to={`/farms/${farm}/outbox`}>{t('offline.seeWaiting')}</Link>
    </Alert>
  );
}

const DISMISSED = 'croft.insecure-notice-dismissed';

/**
 * On plain http (not this machine) the browser allows no service worker: Croft cannot be installed or
 * opened without a connection. Said once on each phone (until dismissed), and always on the waiting list.
 */
export function InsecureNotice({ always = false }: { always?: boolean }) {
  const { t } = useTranslation();
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(DISMISSED) === '1');
  if (window.isSecureContext || (dismissed && !always)) return null;
  return (
    <Alert color="orange" variant="light" title={t('offline.insecureTitle')} mb="sm" data-testid="insecure-notice">
      <Group wrap="nowrap" align="flex-start" gap="xs">
        <Text size="sm">{t('offline.insecure')}</Text>
        {!always && (
          <CloseButton
            aria-label={t('common.close')}
            onClick={() => {
              localStorage.setItem(DISMISSED, '1');
              setDismissed(true);
            }}
          />
        )}
      </Group>
    </Alert>
  );
}

/** Croft could not be reached when the app opened: what is shown is what the phone kept. */
export function OfflineBanner() {
  const { t } = useTranslation();
  const { state } = useSession();
  if (state.status !== 'signed-in' || !state.offline) return null;
  return (
    <Alert color="gray" variant="light" role="status" mb="sm" data-testid="offline-banner">
      <Text size="sm">{t('offline.working')}</Text>
    </Alert>
  );
}

function WriteCard({ item, farm }: { item: QueuedWrite; farm: string }) {
  const { t } = useTranslation();
  const [sure, setSure] = useState(false);
  const made = new Intl.DateTimeFormat(formatLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(item.made_at),
  );
  const colour = { waiting: 'yellow', sending: 'blue', refused: 'red' } as const;
  const refusal = item.refused ? new ApiError(item.refused.status, item.refused.code, item.refused.message) : undefined;
  return (
    <Card withBorder data-testid="queued-write" data-id={item.id} data-kind={item.kind} data-state={item.state}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <div>
            <Text fw={600}>{t(`offline.kinds.${item.kind}`)}</Text>
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {item.label}
            </Text>
            <Text size="xs" c="dimmed">
              {item.farm !== farm ? `${item.farm} · ` : ''}
              {made}
            </Text>
          </div>
          <Badge color={colour[item.state]} variant="light" data-testid="queued-state">
            {t(`offline.states.${item.state}`)}
          </Badge>
        </Group>
        {refusal && <ErrorNotice error={refusal} />}
        <Group gap="xs">
          {item.state === 'refused' && (
            <Button variant="light" leftSection={<IconRefresh size={18} />} onClick={() => void outbox.retry(item.id)}>
              {t('offline.tryAgain')}
            </Button>
          )}
          {item.state !== 'sending' && (
            <Button
              variant="subtle"
              color="red"
              leftSection={<IconTrash size={18} />}
              onClick={() => (sure ? void outbox.discard(item.id) : setSure(true))}>
              {sure ? t('offline.discardSure') : t('offline.discard')}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/** `outbox`: what waits on this phone, each write's state, a refusal's reason; send now, retry or discard. */
export function OutboxPage() {
  const { t } = useTranslation();
  const farm = useFarm().slug;
  const { state } = useSession();
  const items = useOutbox();
  const offline = state.status === 'signed-in' && state.offline;
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} fz={26}>
          {t('offline.title')}
        </Title>
        {items.some((item) => item.state === 'waiting') && !offline && (
          <ActionIcon size="xl" variant="light" aria-label={t('offline.sendNow')} onClick={() => outbox.sendNow()}>
            <IconCloudUpload />
          </ActionIcon>
        )}
      </Group>
      <InsecureNotice always />
      <Text c="dimmed">{t('offline.intro')}</Text>
      {items.length === 0 && <Empty title={t('offline.empty')} />}
      {items.map((item) => (
        <WriteCard key={item.id} item={item} farm={farm} />
      ))}
    </Stack>
  );
}
