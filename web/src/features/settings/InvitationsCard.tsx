import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Image,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import QRCode from 'qrcode';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../api/generated/permissions';
import { ErrorNotice } from '../../components/states';
import { dateTime } from '../../components/time';
import { useInvitationActions, useInvitations, type Invitation } from './api';

/** The invitation link, to copy or to scan from another phone. */
function InvitationLink({ invitation }: { invitation: Invitation }) {
  const { t } = useTranslation();
  const link = `${location.origin}${invitation.accept_path}`;
  const [qr, setQr] = useState<string>();
  useEffect(() => {
    void QRCode.toDataURL(link, { margin: 1, width: 240 }).then(setQr);
  }, [link]);
  return (
    <Alert color="field" variant="light" title={t('settings.inviteReady')}>
      <Stack gap="xs">
        <Text size="sm">{t('settings.inviteHint', { role: t(`roles.${invitation.role}`) })}</Text>
        <Code data-testid="invitation-link" style={{ wordBreak: 'break-all' }}>
          {link}
        </Code>
        <CopyButton value={link}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? t('common.copied') : t('settings.copyLink')}
            </Button>
          )}
        </CopyButton>
        {qr && <Image src={qr} alt={t('settings.inviteQr')} w={200} h={200} />}
      </Stack>
    </Alert>
  );
}

export function InvitationsCard({ farm }: { farm: string }) {
  const { t } = useTranslation();
  const invitations = useInvitations(farm);
  const { create, revoke } = useInvitationActions(farm);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('worker');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ role, ...(email.trim() ? { email: email.trim() } : {}) });
  };
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="sm">
        {t('settings.invitations')}
      </Title>
      <Stack component="form" onSubmit={submit} gap="sm">
        <TextInput
          label={t('settings.inviteEmail')}
          description={t('settings.inviteEmailHint')}
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
        <Select
          label={t('settings.role')}
          data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
          value={role}
          allowDeselect={false}
          onChange={(v) => v && setRole(v as Role)}
        />
        <Text size="sm" c="dimmed">
          {t(`roleHints.${role}`)}
        </Text>
        <ErrorNotice error={create.error} />
        <Button type="submit" loading={create.isPending}>
          {t('settings.invite')}
        </Button>
      </Stack>
      {create.data && (
        <Stack mt="md">
          <InvitationLink invitation={create.data} />
        </Stack>
      )}
      <ErrorNotice error={invitations.error ?? revoke.error} />
      {!!invitations.data?.length && (
        <Stack gap="xs" mt="md">
          <Text fw={600}>{t('settings.pending')}</Text>
          {invitations.data.map((i) => (
            <Group key={i.id} justify="space-between" wrap="wrap">
              <div>
                <Text>
                  {i.email ?? t('settings.anyone')}{' '}
                  <Badge variant="light" ml={4}>
                    {t(`roles.${i.role}`)}
                  </Badge>
                </Text>
                <Text size="sm" c="dimmed">
                  {t('settings.expires', { when: dateTime(i.expires_at) })}
                </Text>
              </div>
              <Button size="md" variant="subtle" color="red" onClick={() => revoke.mutate(i.id)}>
                {t('settings.revoke')}
              </Button>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}
