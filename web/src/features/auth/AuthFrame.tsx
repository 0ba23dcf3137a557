import { Container, Group, Paper, Select, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, switchLanguage } from '../../i18n';

/** The frame of the pages before sign-in: the name, a language choice, one card. */
export function AuthFrame({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  const { t, i18n } = useTranslation();
  return (
    <Container size={460} px="sm" py="lg">
      <Stack gap="md">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={800} fz={28} c="field.9">
            Croft
          </Text>
          <Select
            aria-label={t('account.language')}
            data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
            value={i18n.language}
            allowDeselect={false}
            size="md"
            w={140}
            onChange={(code) => code && void switchLanguage(code)}
            data-testid="language-select"
          />
        </Group>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          <Stack gap="md">
            <Title order={1} fz={24}>
              {title}
            </Title>
            {intro && <Text c="dimmed">{intro}</Text>}
            {children}
          </Stack>
        </Paper>
      </Stack>
    </Container>
  );
}
