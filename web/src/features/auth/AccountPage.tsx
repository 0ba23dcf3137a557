import { Button, Card, Select, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession, useUser } from '../../api/session';
import { PasswordField } from '../../components/PasswordField';
import { ErrorNotice } from '../../components/states';
import { LANGUAGES, switchLanguage, type Language } from '../../i18n';

/** The person's own settings: language and password; sign out. */
export function AccountPage() {
  const { t } = useTranslation();
  const user = useUser();
  const { changePassword, updateProfile, signOut } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('account.title')}
      </Title>
      <Card withBorder>
        <Text fw={600}>{user.name}</Text>
        <Text c="dimmed">{user.email}</Text>
        <Select
          mt="md"
          label={t('account.language')}
          data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
          value={user.locale}
          allowDeselect={false}
          onChange={(code) => code && void switchLanguage(code).then(() => updateProfile({ locale: code as Language }))}
          data-testid="account-language"
        />
      </Card>
      <Card withBorder component="form" onSubmit={submit} noValidate>
        <Title order={2} fz={20} mb="sm">
          {t('account.changePassword')}
        </Title>
        <PasswordField
          label={t('account.currentPassword')}
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          mb="sm"
        />
        <PasswordField
          label={t('account.newPassword')}
          description={t('auth.passwordRule')}
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          mb="md"
        />
        <ErrorNotice error={error} />
        {done && (
          <Text c="field.9" fw={600} role="status">
            {t('account.passwordChanged')}
          </Text>
        )}
        <Button type="submit" loading={busy} mt="sm">
          {t('account.changePassword')}
        </Button>
      </Card>
      <Button variant="outline" color="red" onClick={() => void signOut()}>
        {t('auth.signOut')}
      </Button>
    </Stack>
  );
}
