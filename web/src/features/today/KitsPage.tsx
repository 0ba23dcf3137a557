import { Button, Card, Group, NumberInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { useApplyKit, useStarterKits, type StarterKit } from './api';

/** A text of the kit in the page's language, else English. */
const inLanguage = (texts: Record<string, string>, language: string) =>
  texts[language.slice(0, 2)] ?? texts.en ?? Object.values(texts)[0] ?? '';

/** Common names of the kits' species in the page's language (else English, else the scientific name). */
function useSpeciesNames(keys: string[], language: string): Map<string, string> {
  const answers = useQueries({
    queries: keys.map((key) => ({
      queryKey: ['species', key],
      staleTime: 10 * 60_000,
      queryFn: () => unwrap(api.GET('/api/v1/catalog/species/{ref}', { params: { path: { ref: key } } })),
    })),
  });
  const names = new Map<string, string>();
  answers.forEach((a, i) => {
    if (!a.data) return;
    const common = a.data.common_names as Record<string, string[]>;
    names.set(keys[i]!, common[language.slice(0, 2)]?.[0] ?? common.en?.[0] ?? a.data.scientific_name);
  });
  return names;
}

function KitCard({ kit, names, open }: { kit: StarterKit; names: Map<string, string>; open: () => void }) {
  const { t, i18n } = useTranslation();
  const grows = kit.species.map((s) => names.get(s) ?? s).join(', ');
  return (
    <Card withBorder data-testid={`kit-${kit.key}`}>
      <Title order={2} fz={20}>
        {inLanguage(kit.names, i18n.language)}
      </Title>
      <Text mt={4}>{inLanguage(kit.descriptions, i18n.language)}</Text>
      <Text size="sm" mt="xs">
        <Text span fw={700}>
          {t('kits.grows')}
        </Text>{' '}
        {grows}
      </Text>
      <Text size="sm" c="dimmed" mt={4}>
        {t('kits.suggested', { count: kit.suggested_plants })}
      </Text>
      <Button size="lg" mt="md" fullWidth onClick={open}>
        {t('kits.choose')}
      </Button>
    </Card>
  );
}

/** What the grower names the new site and how many plants; the server's refusal is shown as it said it. */
function ApplyForm({ kit, close }: { kit: StarterKit; close: () => void }) {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const apply = useApplyKit(farm.slug);
  const [site, setSite] = useState(inLanguage(kit.names, i18n.language));
  const [count, setCount] = useState<number | string>(kit.suggested_plants);

  return (
    <Card withBorder data-testid="kit-apply">
      <Stack>
        <Title order={2} fz={20}>
          {inLanguage(kit.names, i18n.language)}
        </Title>
        <TextInput
          size="lg"
          label={t('kits.siteName')}
          description={t('kits.siteNameHint')}
          value={site}
          onChange={(e) => setSite(e.currentTarget.value)}
        />
        <NumberInput
          size="lg"
          label={t('kits.plantCount')}
          description={t('kits.plantCountHint', { max: kit.max_plants })}
          value={count}
          onChange={setCount}
          allowDecimal={false}
          hideControls
        />
        <ErrorNotice error={apply.error} />
        <Group grow>
          <Button size="lg" variant="default" onClick={close} disabled={apply.isPending}>
            {t('common.cancel')}
          </Button>
          <Button
            size="lg"
            loading={apply.isPending}
            onClick={() =>
              apply.mutate(
                { kit: kit.key, site_name: site.trim(), plant_count: Number(count === '' ? NaN : count) },
                { onSuccess: () => void navigate(`/farms/${farm.slug}/today`) },
              )
            }>
            {t('kits.apply')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Starter kits: a ready first garden (a site, its places, plants with their care) in one tap. */
export function KitsPage() {
  const { t, i18n } = useTranslation();
  const kits = useStarterKits();
  const [chosen, setChosen] = useState<string | undefined>();
  const list = kits.data ?? [];
  const names = useSpeciesNames([...new Set(list.flatMap((k) => k.species))], i18n.language);
  if (kits.isPending) return <Loading />;
  const kit = list.find((k) => k.key === chosen);

  return (
    <Stack gap="md">
      <div>
        <Title order={1} fz={26}>
          {t('kits.title')}
        </Title>
        <Text c="dimmed">{t('kits.intro')}</Text>
      </div>
      <ErrorNotice error={kits.error} />
      {kit ? (
        <ApplyForm key={kit.key} kit={kit} close={() => setChosen(undefined)} />
      ) : list.length === 0 && !kits.error ? (
        <Empty title={t('kits.empty')} />
      ) : (
        list.map((k) => <KitCard key={k.key} kit={k} names={names} open={() => setChosen(k.key)} />)
      )}
    </Stack>
  );
}
