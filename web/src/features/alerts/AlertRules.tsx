import {
  Alert as Notice,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../../components/states';
import { useDevices } from '../devices/api';
import { useAlertRules, useCreateAlertRule, type AlertRuleBody } from './api';

type Operator = NonNullable<AlertRuleBody['operator']>;
type Severity = AlertRuleBody['severity'];
const OPERATORS: Operator[] = ['>', '>=', '<', '<='];
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
const METRICS = ['temperature', 'humidity', 'weight', 'co2', 'ammonia', 'battery', 'sound_level'];

/** Threshold rules in plain words: "when temperature on House 1 goes above 32 °C, warn me". */
function NewRule({ farm, onDone }: { farm: string; onDone: () => void }) {
  const { t } = useTranslation();
  const devices = useDevices(farm);
  const create = useCreateAlertRule(farm);
  const [metric, setMetric] = useState('temperature');
  const [device, setDevice] = useState<string | null>(null);
  const [operator, setOperator] = useState<Operator>('>');
  const [value, setValue] = useState<number | string>(30);
  const [severity, setSeverity] = useState<Severity>('warning');
  const [name, setName] = useState('');
  const auto = t('rules.autoName', { metric: t(`metrics.${metric}`, { defaultValue: metric }), operator, value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      {
        name: name.trim() || auto,
        kind: 'threshold',
        metric: metric.trim(),
        ...(device ? { device } : {}),
        operator,
        value: Number(value),
        aggregate: 'last',
        window_s: 60,
        severity,
      },
      {
        onSuccess: (rule) => {
          if (!rule.warnings?.length) onDone();
        },
      },
    );
  };
  return (
    <Card withBorder component="form" onSubmit={submit} noValidate>
      <Title order={3} fz={18} mb="sm">
        {t('rules.new')}
      </Title>
      <Stack gap="sm">
        <Select
          label={t('rules.metric')}
          data={METRICS.map((m) => ({ value: m, label: t(`metrics.${m}`, { defaultValue: m }) }))}
          value={metric}
          onChange={(v) => v && setMetric(v)}
          searchable
          allowDeselect={false}
        />
        <Select
          label={t('rules.device')}
          placeholder={t('rules.anyDevice')}
          clearable
          value={device}
          onChange={setDevice}
          data={(devices.data ?? []).map((d) => ({ value: d.device_id, label: d.name }))}
        />
        <Group grow>
          <Select
            label={t('rules.operator')}
            data={OPERATORS.map((o) => ({ value: o, label: t(`operators.${o}`) }))}
            value={operator}
            onChange={(v) => v && setOperator(v as Operator)}
            allowDeselect={false}
          />
          <NumberInput label={t('rules.value')} value={value} onChange={setValue} decimalScale={2} />
        </Group>
        <Select
          label={t('rules.severity')}
          data={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))}
          value={severity}
          onChange={(v) => v && setSeverity(v as Severity)}
          allowDeselect={false}
        />
        <TextInput
          label={t('rules.name')}
          placeholder={auto}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <ErrorNotice error={create.error} />
        {create.data?.warnings?.map((w) => (
          <Notice key={w} color="yellow">
            {w}
          </Notice>
        ))}
        <Group>
          <Button type="submit" loading={create.isPending}>
            {t('rules.create')}
          </Button>
          <Button variant="subtle" onClick={onDone}>
            {t(create.data ? 'common.close' : 'common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

export function AlertRules({ farm, canEdit }: { farm: string; canEdit: boolean }) {
  const { t } = useTranslation();
  const rules = useAlertRules(farm);
  const [adding, setAdding] = useState(false);
  return (
    <Stack gap="sm" mt="lg">
      <Group justify="space-between">
        <Title order={2} fz={20}>
          {t('rules.title')}
        </Title>
        {canEdit && !adding && (
          <Button variant="light" onClick={() => setAdding(true)}>
            {t('rules.new')}
          </Button>
        )}
      </Group>
      {adding && <NewRule farm={farm} onDone={() => setAdding(false)} />}
      <ErrorNotice error={rules.error} />
      {rules.data?.length === 0 && <Text c="dimmed">{t('rules.none')}</Text>}
      {rules.data?.map((rule) => (
        <Card key={rule.id} withBorder data-testid="rule">
          <Group justify="space-between" wrap="nowrap">
            <Text fw={600}>{rule.name}</Text>
            <Badge variant="light" color={rule.enabled ? 'field' : 'gray'}>
              {t(rule.enabled ? 'rules.enabled' : 'rules.disabled')}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {t(`ruleKinds.${rule.kind}`)}
            {rule.metric
              ? ` · ${t(`metrics.${rule.metric}`, { defaultValue: rule.metric })} ${rule.operator ?? ''} ${Array.isArray(rule.value) ? rule.value.join('–') : (rule.value ?? '')}`
              : ''}
          </Text>
        </Card>
      ))}
    </Stack>
  );
}
