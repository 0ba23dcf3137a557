import { Button, Divider, Select, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useSession } from '../../api/session';
import { PasswordField } from '../../components/PasswordField';
import { ErrorNotice } from '../../components/states';
import type { Language } from '../../i18n';
import { AuthFrame } from './AuthFrame';

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** First run: the instance's administrator and the first farm, in one form. */
export function SetupPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { setUp } = useSession();
  const status = useQuery({ queryKey: ['auth-status'], queryFn: () => unwrap(api.GET('/api/v1/auth/status')) });
  const zones = useMemo(
    () => [
      ...new Set([
        browserZone(),
        'UTC',
        ...((Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []),
      ]),
    ],
    [],
  );
  const [form, setForm] = useState({ name: '', email: '', password: '', farm: '', timezone: browserZone(), token: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const slug = await setUp({
        name: form.name.trim(),
        email: form.email.trim(),
        password: form.password,
        locale: i18n.language as Language,
        timezone: form.timezone,
        farm: { name: form.farm.trim(), timezone: form.timezone },
        ...(form.token ? { setup_token: form.token.trim() } : {}),
      });
      await navigate(`/farms/${slug}`, { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title={t('setup.title')} intro={t('setup.intro')}>
      <form onSubmit={submit} noValidate>
        <TextInput
          label={t('setup.yourName')}
          autoComplete="name"
          required
          value={form.name}
          onChange={(e) => set('name')(e.currentTarget.value)}
          mb="sm"
        />
        <TextInput
          label={t('auth.email')}
          type="email"
          autoComplete="username"
          required
          value={form.email}
          onChange={(e) => set('email')(e.currentTarget.value)}
          mb="sm"
        />
        <PasswordField
          label={t('auth.password')}
          description={t('auth.passwordRule')}
          autoComplete="new-password"
          required
          value={form.password}
          onChange={(e) => set('password')(e.currentTarget.value)}
          mb="sm"
        />
        <Divider my="md" label={t('setup.firstFarm')} labelPosition="left" />
        <TextInput
          label={t('setup.farmName')}
          placeholder={t('setup.farmPlaceholder')}
          required
          value={form.farm}
          onChange={(e) => set('farm')(e.currentTarget.value)}
          mb="sm"
        />
        <Select
          label={t('setup.timezone')}
          data={zones}
          searchable
          value={form.timezone}
          allowDeselect={false}
          onChange={(v) => v && set('timezone')(v)}
          mb="sm"
        />
        {status.data?.setup_token_required && (
          <TextInput
            label={t('setup.token')}
            description={t('setup.tokenHint')}
            required
            value={form.token}
            onChange={(e) => set('token')(e.currentTarget.value)}
            mb="sm"
          />
        )}
        <ErrorNotice error={error} />
        <Button type="submit" fullWidth loading={busy} mt="md">
          {t('setup.submit')}
        </Button>
      </form>
    </AuthFrame>
  );
}
