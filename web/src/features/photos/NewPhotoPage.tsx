import { Anchor, Button, Card, FileButton, Progress, Stack, Text, Title } from '@mantine/core';
import { IconCamera, IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { newId } from '../../components/ids';
import { ErrorNotice } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { farmPath, outbox } from '../../offline/outbox';
import { QueuedNotice } from '../../offline/Outbox';
import { uploadPhoto } from './api';
import { PlaceSelect } from './places';

/**
 * A photo chosen, under the id it is sent with and the place it was sent for (a resend of the same photo to
 * the same place keeps the id: stored once).
 */
interface Chosen {
  file: File;
  id: string;
  location: string | null;
}

/**
 * Take a photo of a storage location with the phone's camera and send it, with its progress; the
 * answer names the processing session, whose review page opens next.
 */
export function NewPhotoPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const given = params.get('location');
  const [location, setLocation] = useState<string | null>(given);
  const [chosen, setChosen] = useState<Chosen>();
  const [share, setShare] = useState<number>();
  const [error, setError] = useState<unknown>();
  const [queued, setQueued] = useState(0);
  const canWrite = can(farm.role, 'records.write');

  const send = async (photo: Chosen) => {
    setChosen(photo);
    setError(undefined);
    setShare(0);
    const query = photo.location ? `?location_id=${encodeURIComponent(photo.location)}` : '';
    try {
      // Without a connection the photo waits on the phone (its bytes in IndexedDB) under the same id.
      const sent = await outbox.submit(
        {
          id: photo.id,
          farm: farm.slug,
          kind: 'photo',
          method: 'PUT',
          path: farmPath(farm.slug, `/photos/${photo.id}${query}`),
          file: photo.file,
          label: t('offline.label.photo', { name: photo.file.name }),
        },
        () => uploadPhoto(farm.slug, photo.id, photo.file, photo.location ?? undefined, setShare),
      );
      setShare(undefined);
      if (sent.queued) {
        setChosen(undefined);
        setQueued((n) => n + 1);
        return;
      }
      void navigate(`/farms/${farm.slug}/photo-sessions/${sent.data.session_id}`);
    } catch (refused) {
      setError(refused);
      setShare(undefined);
    }
  };
  const uploading = share !== undefined && !error;
  const percent = Math.round((share ?? 0) * 100);

  return (
    <Stack gap="md">
      <Anchor
        component={Link}
        to={given ? `/farms/${farm.slug}/stock/locations/${given}` : `/farms/${farm.slug}/stock`}
        size="sm">
        ← {t('photos.backToStock')}
      </Anchor>
      <Title order={1} fz={26}>
        {t('photos.new.title')}
      </Title>
      <Text c="dimmed">{t('photos.new.intro')}</Text>
      {!canWrite && <Text>{t('photos.readOnly')}</Text>}
      {canWrite && (
        <>
          <PlaceSelect
            farm={farm.slug}
            value={location}
            onChange={setLocation}
            label={t('photos.place.label')}
            description={t('photos.place.gpsHint')}
          />
          <FileButton
            accept="image/*"
            capture="environment"
            disabled={uploading}
            onChange={(file) => {
              if (file) void send({ file, id: newId(), location });
            }}>
            {(props) => (
              <Button {...props} size="xl" h={72} fullWidth leftSection={<IconCamera size={28} />} loading={uploading}>
                {t('photos.new.take')}
              </Button>
            )}
          </FileButton>
          {queued > 0 && <QueuedNotice farm={farm.slug} />}
          {uploading && (
            <Card withBorder data-testid="upload-progress">
              <Text fw={600} mb="xs">
                {t('photos.new.uploading', { percent })}
              </Text>
              <Progress
                size="xl"
                value={percent}
                animated={percent < 100}
                aria-label={t('photos.new.progress')}
                data-percent={percent}
              />
              {percent >= 100 && (
                <Text size="sm" c="dimmed" mt="xs">
                  {t('photos.new.checking')}
                </Text>
              )}
            </Card>
          )}
          {error !== undefined && (
            <Stack gap="sm">
              <ErrorNotice error={error} />
              {chosen && (
                <Button
                  size="lg"
                  variant="light"
                  leftSection={<IconRefresh size={20} />}
                  // The same photo to the same place is a resend (stored once); another place is a new upload.
                  onClick={() =>
                    void send(chosen.location === location ? chosen : { file: chosen.file, id: newId(), location })
                  }>
                  {t('photos.new.again')}
                </Button>
              )}
            </Stack>
          )}
        </>
      )}
    </Stack>
  );
}
