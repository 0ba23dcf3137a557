import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { IconCamera, IconCheck, IconMinus, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { can } from '../../api/generated/permissions';
import { ErrorNotice, Loading } from '../../components/states';
import { dateTime } from '../../components/time';
import { useFarm } from '../farms/FarmRoute';
import {
  isWorking,
  useDetections,
  usePhotoActions,
  usePhotoImage,
  usePhotoSession,
  type DetectionList,
  type Session,
  type Validation,
} from './api';
import { PlaceSelect, useStorageLocations } from './places';

const PLANT = '#fcc419';
const EMPTY = '#ff6b6b';

/** How the count was made, as a key of photos.method (the server's words are technical). */
const METHODS: Record<string, string> = {
  detection: 'detection',
  'detection+band': 'detectionBand',
  density: 'density',
};
const WARNINGS = ['needs_location', 'needs_config', 'needs_calibration'];
const FAILURES = ['COUNTING_FAILED', 'IMAGE_UNREADABLE', 'ONNX_MODEL_UNREADABLE', 'ONNX_MODEL_CONTRACT'];

/**
 * The photo with what the counter found drawn over it: a ring on each plant, a square on each empty pot.
 * The marks are in the pixels of the upright photo (`image`), scaled with it to the width it is shown at.
 */
function PhotoWithMarks({ url, found, alt }: { url: string; found: DetectionList | undefined; alt: string }) {
  const { t } = useTranslation();
  return (
    <Box pos="relative" style={{ lineHeight: 0, borderRadius: 8, overflow: 'hidden' }}>
      <img src={url} alt={alt} style={{ width: '100%', height: 'auto', display: 'block' }} />
      {found && found.image.width > 0 && (
        <svg
          data-testid="overlay"
          role="img"
          aria-label={t('photos.review.marks', { count: found.data.length })}
          viewBox={`0 0 ${found.image.width} ${found.image.height}`}
          preserveAspectRatio="none"
          style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}>
          {found.data.map((d) => {
            const w = d.box.x2 - d.box.x1;
            const h = d.box.y2 - d.box.y1;
            return d.class === 'plant' ? (
              <ellipse
                key={d.n}
                data-testid="mark"
                data-class="plant"
                cx={d.cx}
                cy={d.cy}
                rx={Math.max(w / 2, 2)}
                ry={Math.max(h / 2, 2)}
                fill="none"
                stroke={PLANT}
                strokeWidth={2.5}
                vectorEffect="non-scaling-stroke"
              />
            ) : (
              <rect
                key={d.n}
                data-testid="mark"
                data-class="empty_container"
                x={d.box.x1}
                y={d.box.y1}
                width={Math.max(w, 2)}
                height={Math.max(h, 2)}
                fill="none"
                stroke={EMPTY}
                strokeWidth={2.5}
                strokeDasharray="6 4"
                vectorEffect="non-scaling-stroke"
              />
            );
          })}
        </svg>
      )}
    </Box>
  );
}

function Legend({ found }: { found: DetectionList }) {
  const { t } = useTranslation();
  const plants = found.data.filter((d) => d.class === 'plant').length;
  return (
    <Group gap="md">
      <Group gap={6}>
        <svg width="18" height="18" aria-hidden="true">
          <circle cx="9" cy="9" r="7" fill="none" stroke={PLANT} strokeWidth="3" />
        </svg>
        <Text size="sm">{t('photos.review.legendPlants', { count: plants })}</Text>
      </Group>
      <Group gap={6}>
        <svg width="18" height="18" aria-hidden="true">
          <rect x="2" y="2" width="14" height="14" fill="none" stroke={EMPTY} strokeWidth="3" strokeDasharray="4 2" />
        </svg>
        <Text size="sm">{t('photos.review.legendEmpty', { count: found.data.length - plants })}</Text>
      </Group>
    </Group>
  );
}

/** Where the session stands, in words. */
function Status({ session }: { session: Session }) {
  const { t } = useTranslation();
  if (isWorking(session.status))
    return (
      <Card withBorder data-testid="session-status" data-status={session.status}>
        <Group wrap="nowrap">
          <Loader size="md" />
          <Stack gap={2}>
            <Text fw={600}>{t(`photos.status.${session.status}`)}</Text>
            <Text size="sm" c="dimmed">
              {t(`photos.statusHint.${session.status}`)}
            </Text>
          </Stack>
        </Group>
      </Card>
    );
  if (session.status === 'failed') {
    const code = session.error_code ?? 'COUNTING_FAILED';
    return (
      <Alert
        color="red"
        variant="light"
        title={t('photos.status.failed')}
        data-testid="session-status"
        data-status="failed">
        {FAILURES.includes(code) ? t(`photos.failure.${code}`) : code}
      </Alert>
    );
  }
  return null;
}

function Figure({ label, value, testid }: { label: string; value: string; testid?: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} data-testid={testid}>
        {value}
      </Text>
    </Stack>
  );
}

/** The count and how it was made. */
function Counted({ session }: { session: Session }) {
  const { t } = useTranslation();
  const method = session.method ? METHODS[session.method] : undefined;
  return (
    <Card withBorder>
      <Group justify="space-between" align="flex-end">
        <Stack gap={0}>
          <Text size="sm" c="dimmed">
            {t('photos.review.count')}
          </Text>
          <Text fz={40} fw={700} lh={1.1} data-testid="session-total">
            {session.total ?? '—'}
          </Text>
        </Stack>
        {session.confidence !== null && (
          <Badge
            size="lg"
            variant="light"
            color={session.confidence >= 0.7 ? 'green' : session.confidence >= 0.5 ? 'yellow' : 'orange'}>
            {t('photos.review.confidence', { percent: Math.round(session.confidence * 100) })}
          </Badge>
        )}
      </Group>
      <SimpleGrid cols={3} mt="sm" spacing="xs">
        <Figure label={t('photos.review.detected')} value={String(session.detected ?? '—')} />
        <Figure label={t('photos.review.estimated')} value={String(session.estimated ?? '—')} />
        <Figure label={t('photos.review.empty')} value={String(session.empty ?? '—')} />
      </SimpleGrid>
      <Text size="sm" mt="sm" data-testid="session-method">
        {t('photos.review.how', {
          method: method ? t(`photos.method.${method}`) : (session.method ?? '—'),
          detector: t(`photos.detector.${session.detector ?? 'classical'}`),
        })}
      </Text>
    </Card>
  );
}

/** What the validation wrote into the stock ledger. */
function Written({ session, answer }: { session: Session; answer: Validation | undefined }) {
  const { t } = useTranslation();
  const farm = useFarm();
  const v = session.validation!;
  const count = answer?.stock_count;
  return (
    <Alert color="green" variant="light" icon={<IconCheck />} title={t('photos.written.title')} data-testid="written">
      <Stack gap={4}>
        <Text size="sm">
          {t(v.source === 'manual' ? 'photos.written.manual' : 'photos.written.ai', { count: v.count })}
        </Text>
        <Text size="sm" c="dimmed">
          {t('photos.written.when', { when: dateTime(v.validated_at, farm.timezone) })}
        </Text>
        {count && (
          <>
            <Text size="sm" data-testid="written-batch">
              {t('photos.written.batch', { batch: count.batch_code, expected: count.expected })}
            </Text>
            <Text size="sm">
              {count.difference === 0
                ? t('photos.written.same')
                : t(count.difference > 0 ? 'photos.written.more' : 'photos.written.fewer', {
                    count: Math.abs(count.difference),
                  })}
            </Text>
            <Anchor component={Link} to={`/farms/${farm.slug}/stock/batches/${count.batch_id}`} size="sm" py="sm">
              {t('photos.written.openBatch', { batch: count.batch_code })}
            </Anchor>
          </>
        )}
      </Stack>
    </Alert>
  );
}

/** Correct the count if need be, and post it to the stock ledger. */
function ValidateForm({
  session,
  validate,
}: {
  session: Session;
  validate: ReturnType<typeof usePhotoActions>['validate'];
}) {
  const { t } = useTranslation();
  const total = session.total ?? 0;
  const [count, setCount] = useState<number>(total);
  const corrected = count !== total;
  const blocked = session.warnings.includes('needs_location');
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Text fw={600}>{t('photos.validate.title')}</Text>
        <Group gap="xs" wrap="nowrap" align="flex-end">
          <ActionIcon
            size={48}
            variant="default"
            aria-label={t('photos.validate.less')}
            disabled={count <= 0}
            onClick={() => setCount((c) => Math.max(0, c - 1))}>
            <IconMinus />
          </ActionIcon>
          <NumberInput
            size="lg"
            style={{ flex: 1 }}
            label={t('photos.validate.count')}
            value={count}
            min={0}
            max={1_000_000}
            allowDecimal={false}
            allowNegative={false}
            hideControls
            onChange={(v) => setCount(typeof v === 'number' ? v : Number(v) || 0)}
          />
          <ActionIcon
            size={48}
            variant="default"
            aria-label={t('photos.validate.more')}
            onClick={() => setCount((c) => c + 1)}>
            <IconPlus />
          </ActionIcon>
        </Group>
        <Text size="sm" c="dimmed" data-testid="validate-hint">
          {corrected ? t('photos.validate.corrected', { total }) : t('photos.validate.asCounted')}
        </Text>
        {blocked && <Text size="sm">{t('photos.validate.placeFirst')}</Text>}
        <Button
          size="lg"
          leftSection={<IconCheck />}
          disabled={blocked}
          loading={validate.isPending}
          onClick={() => validate.mutate(corrected ? count : undefined)}>
          {t('photos.validate.submit', { count })}
        </Button>
      </Stack>
    </Card>
  );
}

/** needs_location: the photo's place was not found; the worker picks it. */
function PickPlace({ session, farm }: { session: Session; farm: string }) {
  const { t } = useTranslation();
  const { setLocation } = usePhotoActions(farm, session.id);
  const [place, setPlace] = useState<string | null>(null);
  return (
    <Stack gap="sm" data-testid="pick-place">
      <PlaceSelect farm={farm} value={place} onChange={setPlace} label={t('photos.place.which')} />
      <ErrorNotice error={setLocation.error} />
      <Button
        size="lg"
        variant="light"
        disabled={!place}
        loading={setLocation.isPending}
        onClick={() => place && setLocation.mutate(place)}>
        {t('photos.place.set')}
      </Button>
    </Stack>
  );
}

/**
 * A photo's processing session: its state while it is counted, then the photo with the detections drawn,
 * the count, how it was made and every warning; the place to pick when none was found; the count to
 * correct and validate into stock, and what that wrote.
 */
export function ReviewPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const { session: id = '' } = useParams();
  const session = usePhotoSession(farm.slug, id);
  const completed = session.data?.status === 'completed';
  const found = useDetections(farm.slug, id, completed);
  const image = usePhotoImage(farm.slug, session.data?.photo_id);
  const { validate } = usePhotoActions(farm.slug, id);
  const places = useStorageLocations(farm.slug);
  const canWrite = can(farm.role, 'records.write');
  if (session.isPending) return <Loading />;
  if (!session.data) return <ErrorNotice error={session.error} />;
  const s = session.data;
  const place = places.name(s.location_id);
  const back = s.location_id ? `/farms/${farm.slug}/stock/locations/${s.location_id}` : `/farms/${farm.slug}/stock`;
  return (
    <Stack gap="md">
      <Anchor component={Link} to={back} size="sm">
        ← {place ?? t('photos.backToStock')}
      </Anchor>
      <Title order={1} fz={26}>
        {t('photos.review.title')}
      </Title>
      <Text c="dimmed" data-testid="session-place">
        {place ? t('photos.review.at', { place }) : t('photos.review.noPlace')}
        {' · '}
        {dateTime(s.created_at, farm.timezone)}
      </Text>
      <Status session={s} />
      {image.url ? (
        <PhotoWithMarks url={image.url} found={completed ? found.data : undefined} alt={t('photos.review.photo')} />
      ) : image.error ? (
        <ErrorNotice error={image.error} />
      ) : (
        <Loading />
      )}
      {completed && found.data && <Legend found={found.data} />}
      <ErrorNotice error={found.error} />
      {s.warnings.map((w) => (
        <Alert
          key={w}
          color="yellow"
          variant="light"
          data-testid={`warning-${w}`}
          title={t(`photos.warning.${WARNINGS.includes(w) ? w : 'other'}`)}>
          {WARNINGS.includes(w) ? t(`photos.warningHint.${w}`) : w}
          {w === 'needs_location' && canWrite && !s.validation && (
            <Box mt="sm">
              <PickPlace session={s} farm={farm.slug} />
            </Box>
          )}
        </Alert>
      ))}
      {completed && <Counted session={s} />}
      {/* A refusal stays in view even when it ends the form (ALREADY_VALIDATED: validated meanwhile). */}
      <ErrorNotice error={validate.error} />
      {s.validation && <Written session={s} answer={validate.data} />}
      {completed && !s.validation && canWrite && <ValidateForm key={s.id} session={s} validate={validate} />}
      {(s.validation || s.status === 'failed') && canWrite && (
        <Button
          component={Link}
          to={`/farms/${farm.slug}/photos/new${s.location_id ? `?location=${s.location_id}` : ''}`}
          size="lg"
          variant="light"
          leftSection={<IconCamera />}>
          {t('photos.review.another')}
        </Button>
      )}
    </Stack>
  );
}
