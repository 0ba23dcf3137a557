import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useFarms } from './api';

/** Switches the farm on screen (one live socket per farm, so the page follows the choice). */
export function FarmSwitcher({ current }: { current: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const farms = useFarms();
  const data = (farms.data ?? []).map((f) => ({ value: f.slug, label: f.name }));
  if (data.length <= 1) return null;
  return (
    <Select
      aria-label={t('farms.switch')}
      data={data}
      value={current}
      allowDeselect={false}
      size="md"
      w={{ base: 150, sm: 220 }}
      onChange={(slug) => slug && navigate(`/farms/${slug}`)}
    />
  );
}
