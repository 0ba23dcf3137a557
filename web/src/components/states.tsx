import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { i18n as I18n, TFunction } from 'i18next';
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
      <Text fw={600} size="lg">
        {title}
      </Text>
      {children && <Text c="dimmed">{children}</Text>}
    </Stack>
  );
}

/**
 * The words of an API error. In English, the server's own sentence (the most precise). In another
 * language, the translation of its `error_code` when there is one, followed by the server's sentence
 * so nothing it said is lost; else the server's sentence alone. A lost connection has words of its own.
 */
export function errorWords(
  error: unknown,
  t: TFunction,
  i18n: Pick<I18n, 'language' | 'exists'>,
): { text: string; detail?: string } {
  if (!(error instanceof ApiError)) return { text: t('errors.unexpected') };
  if (error.code === 'NETWORK') return { text: t('errors.network') };
  const key = `errors.code.${error.code}`;
  if (i18n.language.startsWith('en') || !i18n.exists(key)) return { text: error.message };
  return { text: t(key), detail: t('errors.serverSaid', { message: error.message }) };
}

/** A heading in the page's language for the kind of failure (the server's own words follow it). */
function errorTitle(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError) || error.status === 0) return t('errors.title');
  const kind = error.status >= 500 ? '500' : String(error.status);
  return t(`errors.status.${kind}`, { defaultValue: t('errors.title') });
}

export function ErrorNotice({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  // No answer is not a refusal: said calmly (what the page shows is what came last, or kept on the phone).
  if (error instanceof ApiError && error.code === 'NETWORK')
    return (
      <Alert color="gray" variant="light" role="status" data-testid="unreachable-notice">
        <Text size="sm">{t('errors.network')}</Text>
      </Alert>
    );
  const { text, detail } = errorWords(error, t, i18n);
  return (
    <Alert color="red" variant="light" title={errorTitle(error, t)} role="alert">
      <Text size="sm">{text}</Text>
      {detail && (
        <Text size="xs" c="dimmed" mt={4}>
          {detail}
        </Text>
      )}
    </Alert>
  );
}
