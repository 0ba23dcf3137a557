import { Button, Group, NumberInput } from '@mantine/core';
import { IconMinus, IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** A whole number with − and + beside it, each a 48 px target, for counting plants with a thumb. */
export function Stepper({
  label,
  value,
  onChange,
  min = 0,
  max = 1_000_000,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
}) {
  const { t } = useTranslation();
  const set = (n: number) => onChange(Math.min(max, Math.max(min, Math.round(n))));
  return (
    <Group gap="xs" wrap="nowrap" align="flex-end">
      <Button
        variant="light"
        h={48}
        w={56}
        px={0}
        aria-label={t('stock.less')}
        onClick={() => set(value - 1)}
        disabled={value <= min}>
        <IconMinus size={22} />
      </Button>
      <NumberInput
        label={label}
        value={value}
        onChange={(v) => set(typeof v === 'number' ? v : Number(v) || 0)}
        min={min}
        max={max}
        allowDecimal={false}
        allowNegative={false}
        hideControls
        inputMode="numeric"
        style={{ flex: 1 }}
        styles={{ input: { textAlign: 'center', fontSize: 22, fontWeight: 600 } }}
      />
      <Button
        variant="light"
        h={48}
        w={56}
        px={0}
        aria-label={t('stock.more')}
        onClick={() => set(value + 1)}
        disabled={value >= max}>
        <IconPlus size={22} />
      </Button>
    </Group>
  );
}
