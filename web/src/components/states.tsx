import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

/** A spinner with words, for screen readers too. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Stack align="center" gap="xs">
        <Loader />
        <Text c="dimmed">{t('common.loading')}</Text>
      </Stack>
    </Center>
  );
}

/** What an empty list says, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack align="center" gap="xs" py="xl" px="md" ta="center">
      <Text fw={600} size="lg">{title}</Text>
      {children && <Text c="dimmed">{children}</Text>}
    </Stack>
  );
}

/** The words of an API error (the server's message), or a plain one for a lost connection. */
export function errorMessage(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError) return error.code === 'NETWORK' ? t('errors.network') : error.message;
  return t('errors.unexpected');
}

/** A heading in the page's language for the kind of failure (the server's own words follow it). */
function errorTitle(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError) || error.status === 0) return t('errors.title');
  const kind = error.status >= 500 ? '500' : String(error.status);
  return t(`errors.status.${kind}`, { defaultValue: t('errors.title') });
}

export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" variant="light" title={errorTitle(error, t)} role="alert">
      {errorMessage(error, t)}
    </Alert>
  );
}
