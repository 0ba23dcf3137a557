import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../api/session';
import { PasswordField } from '../../components/PasswordField';
import { ErrorNotice } from '../../components/states';
import type { Language } from '../../i18n';
import { farmKeys } from '../farms/api';
import { AuthFrame } from './AuthFrame';

/**
 * An invitation link: a new person makes their account (and joins) in one form; someone signed in
 * joins with one tap; someone with an account signs in first.
 */
export function InvitePage() {
  const { t, i18n } = useTranslation();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const { state, signIn } = useSession();
  const [mode, setMode] = useState<'register' | 'sign-in'>('register');
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const join = async () => {
    const joined = await unwrap(api.POST('/api/v1/invitations/{token}/accept', { params: { path: { token } } }));
    await client.invalidateQueries({ queryKey: farmKeys.all });
    await navigate(`/farms/${joined.farm_id}`, { replace: true });
  };
  const run = (step: () => Promise<void>) => async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await step();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (state.status === 'signed-in') {
    return (
      <AuthFrame title={t('invite.title')} intro={t('invite.signedInIntro', { name: state.user.name })}>
        <ErrorNotice error={error} />
        <Button onClick={() => void run(join)()} loading={busy}>
          {t('invite.join')}
        </Button>
      </AuthFrame>
    );
  }
  const register = run(async () => {
    await unwrap(
      api.POST('/api/v1/auth/register', {
        body: {
          name: form.name.trim(),
          email: form.email.trim(),
          password: form.password,
          invitation: token,
          locale: i18n.language as Language,
          timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
        },
      }),
    );
    await signIn(form.email.trim(), form.password);
    await client.invalidateQueries({ queryKey: farmKeys.all });
    await navigate('/', { replace: true });
  });
  const signInAndJoin = run(async () => {
    await signIn(form.email.trim(), form.password);
    await join();
  });
  return (
    <AuthFrame title={t('invite.title')} intro={t(mode === 'register' ? 'invite.registerIntro' : 'invite.signInIntro')}>
      <form onSubmit={mode === 'register' ? register : signInAndJoin} noValidate>
        <Stack gap="sm">
          {mode === 'register' && (
            <TextInput
              label={t('setup.yourName')}
              autoComplete="name"
              required
              value={form.name}
              onChange={(e) => set('name')(e.currentTarget.value)}
            />
          )}
          <TextInput
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            required
            value={form.email}
            onChange={(e) => set('email')(e.currentTarget.value)}
          />
          <PasswordField
            label={t('auth.password')}
            description={mode === 'register' ? t('auth.passwordRule') : undefined}
            autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
            required
            value={form.password}
            onChange={(e) => set('password')(e.currentTarget.value)}
          />
          <ErrorNotice error={error} />
          <Button type="submit" loading={busy}>
            {t(mode === 'register' ? 'invite.createAndJoin' : 'invite.signInAndJoin')}
          </Button>
          <Text size="sm">
            <Anchor
              className="touch-link"
              component="button"
              type="button"
              onClick={() => setMode(mode === 'register' ? 'sign-in' : 'register')}>
              {t(mode === 'register' ? 'invite.haveAccount' : 'invite.newHere')}
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthFrame>
  );
}
