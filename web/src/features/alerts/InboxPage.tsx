import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { timeAgo } from '../../components/time';
import { useMarkRead, useNotifications } from './api';

/** The person's notifications from all their farms; unread first in weight, marked read one by one. */
export function InboxPage() {
  const { t } = useTranslation();
  const inbox = useNotifications();
  const markRead = useMarkRead();
  const unread = inbox.data?.data.filter((n) => !n.read) ?? [];
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} fz={26}>
          {t('inbox.title')}
        </Title>
        {unread.length > 1 && (
          <Button variant="light" onClick={() => void Promise.all(unread.map((n) => markRead.mutateAsync(n.id)))}>
            {t('inbox.markAllRead')}
          </Button>
        )}
      </Group>
      {inbox.isPending && <Loading />}
      <ErrorNotice error={inbox.error ?? markRead.error} />
      {inbox.data?.data.length === 0 && <Empty title={t('inbox.empty')}>{t('inbox.emptyHint')}</Empty>}
      {inbox.data?.data.map((n) => (
        <Card key={n.id} withBorder data-testid="notification" data-read={n.read} bg={n.read ? undefined : 'field.0'}>
          <Group justify="space-between" wrap="nowrap" align="start">
            <Text fw={n.read ? 500 : 800}>{n.title}</Text>
            <Badge
              variant="light"
              color={n.severity === 'urgent' ? 'red' : n.severity === 'important' ? 'orange' : 'blue'}>
              {t(`notificationSeverity.${n.severity}`, { defaultValue: n.severity })}
            </Badge>
          </Group>
          <Text>{n.message}</Text>
          <Group justify="space-between" mt="xs">
            <Text size="sm" c="dimmed">
              {timeAgo(n.created_at)}
            </Text>
            {!n.read && (
              <Button size="md" variant="subtle" onClick={() => markRead.mutate(n.id)}>
                {t('inbox.markRead')}
              </Button>
            )}
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
