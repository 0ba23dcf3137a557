import { Select } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { usePlaces, type Place } from '../locations/api';

/** The farm's storage locations (where stock stands and a photo is taken), by name. */
export function useStorageLocations(farm: string) {
  const places = usePlaces(farm);
  const storage = (places.data ?? []).filter((p) => p.type === 'storage_location' && p.status !== 'retired');
  const name = (id: string | null | undefined): string | undefined => {
    const place = (places.data ?? []).find((p: Place) => p.id === id);
    return place ? (place.code ? `${place.name} (${place.code})` : place.name) : undefined;
  };
  return { storage, name, isPending: places.isPending, error: places.error };
}

/** A big, searchable choice of one storage location. */
export function PlaceSelect({
  farm,
  value,
  onChange,
  label,
  description,
}: {
  farm: string;
  value: string | null;
  onChange: (id: string | null) => void;
  label: string;
  description?: string;
}) {
  const { t } = useTranslation();
  const { storage, name } = useStorageLocations(farm);
  return (
    <Select
      size="lg"
      searchable
      clearable
      label={label}
      description={description}
      placeholder={t('photos.place.choose')}
      nothingFoundMessage={t('photos.place.none')}
      data={storage.map((p) => ({ value: p.id, label: name(p.id) ?? p.name }))}
      value={value}
      onChange={onChange}
    />
  );
}
