import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../../components/states';
import { useFarm } from '../farms/FarmRoute';
import { useEcBudget, useFertilizers, useMix, type Fertilizer, type Mix } from './api';

type Num = number | string;
const num = (v: Num) => (v === '' ? undefined : Number(v));
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** Critical and error findings make a mix unsafe (red); warnings are amber; the rest a note. */
const FINDING_COLOUR = { critical: 'red', error: 'red', warning: 'orange', info: 'blue' } as const;

const productName = (f: { product: string; brand: string }) => (f.brand ? `${f.product} (${f.brand})` : f.product);

/**
 * The mix calculator: the volume, the EC wanted and the water's, the products at hand → the dose of each
 * and the numbered steps to mix them, with the safety findings exactly as Croft states them.
 */
export function MixPage() {
  const { t } = useTranslation();
  const farm = useFarm();
  const fertilizers = useFertilizers(farm.slug);
  const budget = useEcBudget(farm.slug);
  const mix = useMix(farm.slug);
  const [volume, setVolume] = useState<Num>(10);
  const [targetEc, setTargetEc] = useState<Num>(1.6);
  const [waterEc, setWaterEc] = useState<Num>(0.3);
  const [temp, setTemp] = useState<Num>(20);
  const [substrate, setSubstrate] = useState<string | null>('coco');
  const [phase, setPhase] = useState<string | null>('vegetative');
  const [products, setProducts] = useState<string[]>([]);
  const [targetPh, setTargetPh] = useState<Num>('');
  const [waterPh, setWaterPh] = useState<Num>('');

  if (fertilizers.isPending || budget.isPending) return <Loading />;
  if (!fertilizers.data || !budget.data) return <ErrorNotice error={fertilizers.error ?? budget.error} />;

  const byType = new Map<string, Fertilizer[]>();
  for (const f of fertilizers.data) byType.set(f.type, [...(byType.get(f.type) ?? []), f]);
  const productOptions = [...byType].map(([type, list]) => ({
    group: t(`feeding.types.${type}`),
    items: list.map((f) => ({ value: f.id, label: productName(f) })),
  }));
  const phases = [...new Set(budget.data.phases.map((p) => p.budget_phase))];
  const ready =
    num(volume)! > 0 && num(targetEc)! > 0 && num(waterEc) !== undefined && num(temp) !== undefined && products.length;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || !substrate || !phase) return;
    const ph = num(targetPh);
    const basePh = num(waterPh);
    mix.mutate({
      volume_l: num(volume)!,
      target_ec: num(targetEc)!,
      base_water_ec: num(waterEc)!,
      water_temp_c: num(temp)!,
      substrate,
      phase,
      fertilizers: products,
      ...(ph !== undefined ? { target_ph: ph } : {}),
      ...(basePh !== undefined ? { base_water_ph: basePh } : {}),
    });
  };

  return (
    <Stack gap="md">
      <Title order={1} fz={26}>
        {t('feeding.title')}
      </Title>
      <Card withBorder component="form" onSubmit={submit} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={2}>
            <NumberInput
              label={t('feeding.volume')}
              min={0.1}
              decimalScale={1}
              value={volume}
              onChange={setVolume}
              inputMode="decimal"
            />
            <NumberInput
              label={t('feeding.waterTemp')}
              min={0}
              max={60}
              decimalScale={1}
              value={temp}
              onChange={setTemp}
              inputMode="decimal"
            />
            <NumberInput
              label={t('feeding.targetEc')}
              min={0}
              max={20}
              decimalScale={2}
              value={targetEc}
              onChange={setTargetEc}
              inputMode="decimal"
            />
            <NumberInput
              label={t('feeding.waterEc')}
              min={0}
              max={20}
              decimalScale={2}
              value={waterEc}
              onChange={setWaterEc}
              inputMode="decimal"
            />
          </SimpleGrid>
          <SimpleGrid cols={2}>
            <Select
              label={t('feeding.substrate')}
              data={budget.data.substrates.map((s) => ({ value: s, label: t(`feeding.substrates.${s}`) }))}
              value={substrate}
              onChange={setSubstrate}
              allowDeselect={false}
            />
            <Select
              label={t('feeding.phase')}
              data={phases.map((p) => ({ value: p, label: t(`feeding.phases.${p}`) }))}
              value={phase}
              onChange={setPhase}
              allowDeselect={false}
            />
          </SimpleGrid>
          <MultiSelect
            size="lg"
            label={t('feeding.products')}
            placeholder={products.length ? undefined : t('feeding.productsHint')}
            data={productOptions}
            value={products}
            onChange={setProducts}
            searchable
            hidePickedOptions
            maxValues={30}
          />
          <SimpleGrid cols={2}>
            <NumberInput
              label={t('feeding.targetPh')}
              min={0}
              max={14}
              decimalScale={1}
              value={targetPh}
              onChange={setTargetPh}
              inputMode="decimal"
            />
            <NumberInput
              label={t('feeding.waterPh')}
              min={0}
              max={14}
              decimalScale={1}
              value={waterPh}
              onChange={setWaterPh}
              inputMode="decimal"
            />
          </SimpleGrid>
          <ErrorNotice error={mix.error} />
          <Button type="submit" loading={mix.isPending} disabled={!ready}>
            {t('feeding.calculate')}
          </Button>
        </Stack>
      </Card>
      {mix.data && <MixResult mix={mix.data} />}
    </Stack>
  );
}

function MixResult({ mix }: { mix: Mix }) {
  const { t } = useTranslation();
  const given = mix.doses.filter((d) => d.left_out === null);
  const left = mix.doses.filter((d) => d.left_out !== null);
  return (
    <Stack gap="md" data-testid="mix-result">
      {!mix.safe && (
        <Alert color="red" variant="filled" role="alert" data-testid="mix-unsafe" title={t('feeding.unsafe')}>
          {t('feeding.unsafeHint')}
        </Alert>
      )}
      {mix.findings.map((f, i) => (
        <Alert
          key={`${f.code}-${i}`}
          color={FINDING_COLOUR[f.severity]}
          variant="light"
          title={`${t(`feeding.severity.${f.severity}`)}: ${t(`feeding.findings.${f.code}`, { defaultValue: f.message })}`}
          data-testid="mix-finding"
          data-code={f.code}
          data-severity={f.severity}>
          {/* Croft's own words with the products' names and the figures; in English. */}
          <Text size="sm" c="dimmed" lang="en">
            {f.message}
          </Text>
        </Alert>
      ))}
      <Card withBorder>
        <Group justify="space-between" wrap="nowrap">
          <div>
            <Text size="sm" c="dimmed">
              {t('feeding.ecReached')}
            </Text>
            <Text fz={28} fw={700} data-testid="ec-reached">
              {t('feeding.ms', { value: round(mix.ec.reached, 2) })}
            </Text>
            <Text size="sm" c="dimmed">
              {t('feeding.at25', { value: round(mix.ec.reached_at_25, 2) })}
            </Text>
          </div>
          <div style={{ textAlign: 'right' }}>
            <Text size="sm" c="dimmed">
              {t('feeding.target')}
            </Text>
            <Text fz={20} fw={600}>
              {t('feeding.ms', { value: mix.ec.target })}
            </Text>
            {mix.budget.min !== null && mix.budget.max !== null && (
              <Text size="sm" c="dimmed">
                {t('feeding.budget', { min: mix.budget.min, max: mix.budget.max })}
              </Text>
            )}
          </div>
        </Group>
      </Card>
      <Card withBorder>
        <Title order={2} fz={20} mb="sm">
          {t('feeding.doses')}
        </Title>
        <Stack gap="xs">
          {given.map((d) => (
            <Group key={d.fertilizer_id} justify="space-between" wrap="nowrap" data-testid="mix-dose">
              <div>
                <Text fw={600}>{productName(d)}</Text>
                <Text size="sm" c="dimmed">
                  {t('feeding.perLitre', { amount: round(d.per_litre, 2), unit: d.unit })}
                  {d.capped && (
                    <Badge ml="xs" color="orange" variant="light">
                      {t('feeding.capped')}
                    </Badge>
                  )}
                </Text>
              </div>
              <Text fz={22} fw={700} style={{ whiteSpace: 'nowrap' }}>
                {round(d.total, 1)} {d.unit}
              </Text>
            </Group>
          ))}
          {left.map((d) => (
            <Text key={d.fertilizer_id} size="sm" c="dimmed" data-testid="mix-left-out">
              {t('feeding.leftOut', { product: productName(d), reason: t(`feeding.leftOutReasons.${d.left_out}`) })}
            </Text>
          ))}
        </Stack>
      </Card>
      <Card withBorder>
        <Title order={2} fz={20} mb="sm">
          {t('feeding.steps.title')}
        </Title>
        <List type="ordered" spacing="sm" data-testid="mix-steps">
          {mix.steps.map((s) => (
            <List.Item key={s.n} data-testid="mix-step">
              <StepText mix={mix} step={s} />
            </List.Item>
          ))}
        </List>
      </Card>
    </Stack>
  );
}

/** A step in the page's language, from the answer's figures (Croft writes its own sentences in English). */
function StepText({ mix, step }: { mix: Mix; step: Mix['steps'][number] }) {
  const { t } = useTranslation();
  switch (step.action) {
    case 'fill':
      return t('feeding.steps.fill', { volume: mix.volume_l, ec: mix.ec.base_water, temp: mix.water_temp_c });
    case 'dilute':
      return t('feeding.steps.dilute', { ec: mix.ec.target });
    case 'add': {
      const dose = mix.doses.find((d) => d.fertilizer_id === step.fertilizer_id);
      if (!dose) return step.text;
      return t('feeding.steps.add', {
        amount: step.amount ?? round(dose.total, 1),
        unit: dose.unit,
        product: productName(dose),
        perLitre: round(dose.per_litre, 2),
      });
    }
    case 'measure_ec':
      return t('feeding.steps.measureEc', {
        ec: round(mix.ec.reached, 2),
        temp: mix.water_temp_c,
        ec25: round(mix.ec.reached_at_25, 2),
      });
    case 'adjust_ph': {
      const { action, delta, target, expected } = mix.ph;
      if (action === 'lower' || action === 'raise')
        return t(`feeding.steps.ph.${action}`, { delta: Math.abs(delta ?? 0), target });
      if (action === 'none') return t('feeding.steps.ph.none', { ph: expected, target });
      if (action === 'measure') return t('feeding.steps.ph.measure', { target });
      return t('feeding.steps.ph.noTarget');
    }
  }
}
