import { Anchor, Badge, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { usePlaces } from '../locations/api';
import { speciesName, useSpeciesList, useSpeciesSearch } from './api';

export const CATEGORIES = [
  'vegetable',
  'herb',
  'fruit',
  'grain',
  'flower',
  'houseplant',
  'cactus',
  'succulent',
  'tree',
  'shrub',
  'green-manure',
] as const;

/** The catalogue: search species by their names in the person's language, by category; a site's sowing calendar. */
export function CatalogPage() {
  const { t, i18n } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [debounced] = useDebouncedValue(q, 300);
  const all = useSpeciesList(farm.slug);
  const found = useSpeciesSearch(farm.slug, debounced);
  const places = usePlaces(farm.slug);
  const sites = (places.data ?? []).filter((p) => p.type === 'site');
  const list = (debounced.trim() ? found.data : all.data)?.filter((s) => !category || s.category === category);
  const pending = debounced.trim() ? found.isPending : all.isPending;
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/farms/${farm.slug}/plants`} size="sm" py={12}>
        ← {t('plants.title')}
      </Anchor>
      <Title order={1} fz={26}>
        {t('catalog.title')}
      </Title>
      {sites.length > 0 && (
        <Select
          size="lg"
          label={t('sowing.open')}
          placeholder={t('sowing.pickSite')}
          data={sites.map((s) => ({ value: s.id, label: s.name }))}
          value={null}
          onChange={(v) => v && void navigate(`/farms/${farm.slug}/sowing/${v}`)}
        />
      )}
      <TextInput
        size="lg"
        type="search"
        label={t('catalog.search')}
        placeholder={t('catalog.searchHint')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
      />
      <Select
        size="lg"
        label={t('catalog.category')}
        placeholder={t('catalog.allCategories')}
        clearable
        data={CATEGORIES.map((c) => ({ value: c, label: t(`catalog.categories.${c}`) }))}
        value={category}
        onChange={setCategory}
      />
      <ErrorNotice error={all.error ?? found.error} />
      {pending && <Loading />}
      {list && list.length === 0 && <Empty title={t('catalog.nothing')} />}
      <Stack gap="xs">
        {list?.map((s) => (
          <Card
            key={s.id}
            withBorder
            component={Link}
            to={`/farms/${farm.slug}/catalog/${s.id}`}
            mih={48}
            data-testid="species">
            <Group justify="space-between" wrap="nowrap">
              <Text fw={700}>{speciesName(s, i18n.language)}</Text>
              <Badge variant="light">{t(`catalog.categories.${s.category}`)}</Badge>
            </Group>
            <Text size="sm" c="dimmed" fs="italic">
              {s.scientific_name}
            </Text>
            <Text size="sm" c="dimmed">
              {s.family.name}
            </Text>
          </Card>
        ))}
      </Stack>
    </Stack>
  );
}
