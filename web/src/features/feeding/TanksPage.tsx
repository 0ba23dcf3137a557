import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { can } from '../../api/generated/permissions';
import { newId } from '../../components/ids';
import { useResend } from '../../components/resend';
import { Empty, ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { useTankActions, useTanks, type Tank, type TankState } from './api';

type Num = number | string;
const ALERT_COLOUR = { critical: 'red', warning: 'orange', info: 'blue' } as const;
const DUE_COLOUR = { overdue: 'red', due_soon: 'orange', ok: 'gray' } as const;
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

function Figure({ label, value, testid }: { label: string; value: string | null; testid: string }) {
  return (
    <div data-testid={testid}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fz={20} fw={700}>
        {value ?? '–'}
      </Text>
    </div>
  );
}

/** A reading taken by hand: any of pH, EC, water temperature and fill level. */
function StateForm({ farm, tank, onDone }: { farm: string; tank: Tank; onDone: () => void }) {
  const { t } = useTranslation();
  const { recordState } = useTankActions(farm);
  const resend = useResend<TankState>();
  const [values, setValues] = useState<Record<'ph' | 'ec' | 'water_temp_c' | 'fill_percent', Num>>({
    ph: '',
    ec: '',
    water_temp_c: '',
    fill_percent: '',
  });
  const [note, setNote] = useState('');
  const filled = Object.entries(values).filter(([, v]) => v !== '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = {
      ...Object.fromEntries(filled.map(([k, v]) => [k, Number(v)])),
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    const body = resend.body(JSON.stringify(input), () => ({ id: newId(), ...input }));
    recordState.mutate(
      { tank: tank.location_id, body },
      { onSettled: (_, error) => resend.settled(error), onSuccess: onDone },
    );
  };
  const field = (key: keyof typeof values, label: string, max: number, decimals: number) => (
    <NumberInput
      label={label}
      min={0}
      max={max}
      decimalScale={decimals}
      value={values[key]}
      onChange={(v) => setValues((s) => ({ ...s, [key]: v }))}
      inputMode="decimal"
    />
  );
  return (
    <Stack gap="sm" component="form" onSubmit={submit} data-testid="tank-state-form">
      <SimpleGrid cols={2}>
        {field('ph', t('tanks.ph'), 14, 2)}
        {field('ec', t('tanks.ec'), 20, 2)}
        {field('water_temp_c', t('tanks.waterTemp'), 60, 1)}
        {field('fill_percent', t('tanks.fill'), 100, 0)}
      </SimpleGrid>
      <TextInput label={t('tanks.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      <ErrorNotice error={recordState.error} />
      <Group>
        <Button type="submit" loading={recordState.isPending} disabled={filled.length === 0}>
          {t('tanks.saveReading')}
        </Button>
        <Button variant="subtle" onClick={onDone}>
          {t('common.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

function TankCard({ farm, tank, canRecord }: { farm: string; tank: Tank; canRecord: boolean }) {
  const { t } = useTranslation();
  const { recordMaintenance } = useTankActions(farm);
  const maintenanceResend = useResend<{ id: string }>();
  const [reading, setReading] = useState(false);
  const s = tank.state;
  const due = tank.maintenance.items.filter((i) => i.status !== 'ok');
  return (
    <Card withBorder data-testid={`tank-${tank.name}`}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <div>
          <Title order={2} fz={20}>
            {tank.name}
          </Title>
          <Text size="sm" c="dimmed">
            {t('tanks.kind', { type: t(`tanks.types.${tank.tank_type}`), volume: tank.volume_l })}
          </Text>
        </div>
        {tank.alerts.open > 0 && (
          <Badge color="red" size="lg" data-testid="tank-alert-count">
            {t('tanks.alertCount', { count: tank.alerts.open })}
          </Badge>
        )}
      </Group>
      {s ? (
        <>
          <SimpleGrid cols={3} spacing="xs">
            <Figure testid="tank-ec" label={t('tanks.ec')} value={s.ec === null ? null : String(round(s.ec, 2))} />
            <Figure testid="tank-ph" label={t('tanks.ph')} value={s.ph === null ? null : String(round(s.ph, 2))} />
            <Figure
              testid="tank-fill"
              label={t('tanks.fill')}
              value={s.fill_percent === null ? null : `${round(s.fill_percent, 0)} %`}
            />
            <Figure
              testid="tank-temp"
              label={t('tanks.waterTemp')}
              value={s.water_temp_c === null ? null : `${round(s.water_temp_c)} °C`}
            />
            <Figure
              testid="tank-age"
              label={t('tanks.age')}
              value={tank.solution ? t('tanks.days', { value: round(tank.solution.age_days) }) : null}
            />
            <Figure
              testid="tank-oxygen"
              label={t('tanks.oxygen')}
              value={s.dissolved_oxygen_mg_l === null ? null : String(round(s.dissolved_oxygen_mg_l))}
            />
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt={4}>
            {t(s.source === 'sensor' ? 'tanks.fromSensor' : 'tanks.byHand', { at: new Date(s.at).toLocaleString() })}
          </Text>
        </>
      ) : (
        <Text c="dimmed">{t('tanks.noReading')}</Text>
      )}
      {tank.solution?.over_limit && (
        <Text c="red" size="sm" fw={600} mt="xs">
          {t('tanks.tooOld', { limit: tank.solution.limit_days ?? 0 })}
        </Text>
      )}
      {tank.alerts.items.length > 0 && (
        <Stack gap="xs" mt="sm">
          {tank.alerts.items.map((a) => (
            <Alert
              key={a.id}
              color={ALERT_COLOUR[a.severity]}
              variant="light"
              p="xs"
              title={t(`tanks.alerts.${a.type}`, { defaultValue: a.message })}
              data-testid="tank-alert"
              data-type={a.type}>
              {/* Croft's own words with the reading and the limit; in English. */}
              <Text size="sm" c="dimmed" lang="en">
                {a.message}
              </Text>
            </Alert>
          ))}
        </Stack>
      )}
      {due.length > 0 && (
        <Stack gap="xs" mt="sm">
          <Text fw={600}>{t('tanks.maintenance')}</Text>
          {due.map((item) => (
            <Group key={item.item} justify="space-between" wrap="nowrap" data-testid="tank-maintenance">
              <div>
                <Text>{t(`tanks.items.${item.item}`)}</Text>
                <Text size="sm" c={DUE_COLOUR[item.status]}>
                  {t(`tanks.due.${item.status}`, { date: item.due_on })}
                </Text>
              </div>
              {canRecord && (
                <Button
                  variant="light"
                  loading={recordMaintenance.isPending && recordMaintenance.variables?.item === item.item}
                  onClick={() => {
                    // A second tap while the first answer is lost resends the same id: stored once.
                    const { id } = maintenanceResend.body(item.item, () => ({ id: newId() }));
                    recordMaintenance.mutate(
                      { tank: tank.location_id, id, item: item.item },
                      { onSettled: (_, error) => maintenanceResend.settled(error) },
                    );
                  }}>
                  {t('tanks.done')}
                </Button>
              )}
            </Group>
          ))}
          <ErrorNotice error={recordMaintenance.error} />
        </Stack>
      )}
      {canRecord && (
        <Card withBorder mt="sm" p="sm">
          {reading ? (
            <StateForm farm={farm} tank={tank} onDone={() => setReading(false)} />
          ) : (
            <Button variant="light" fullWidth onClick={() => setReading(true)}>
              {t('tanks.record')}
            </Button>
          )}
        </Card>
      )}
    </Card>
  );
}

/** Every tank with its latest state, its open alerts and its maintenance due; a reading by hand. */
export function TanksPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const tanks = useTanks(farm.slug);
  const canRecord = can(farm.role, 'records.write');
  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('tanks.title')}
      </Title>
      {tanks.isPending && <Loading />}
      <ErrorNotice error={tanks.error} />
      {tanks.data?.length === 0 && <Empty title={t('tanks.empty')}>{t('tanks.emptyHint')}</Empty>}
      {tanks.data?.map((tank) => (
        <TankCard key={tank.location_id} farm={farm.slug} tank={tank} canRecord={canRecord} />
      ))}
    </Stack>
  );
}
