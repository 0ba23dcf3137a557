import { Button, Stack, Text, Textarea } from '@mantine/core';

/**
 * A manager going ahead despite a rule (planting despite a rotation refusal, moving a phase back): the reason
 * asked for, and the button that sends it, enabled once a reason is written.
 */
export function ProceedWithReason({
  hint,
  label,
  action,
  reason,
  onReason,
  pending,
  onProceed,
  testId,
}: {
  hint?: string;
  label: string;
  action: string;
  reason: string;
  onReason: (reason: string) => void;
  pending: boolean;
  onProceed: (reason: string) => void;
  testId: string;
}) {
  return (
    <Stack gap="xs" data-testid={testId}>
      {hint && <Text size="sm">{hint}</Text>}
      <Textarea
        label={label}
        required
        size="lg"
        autosize
        minRows={2}
        value={reason}
        onChange={(e) => onReason(e.currentTarget.value)}
      />
      <Button
        color="orange"
        size="lg"
        loading={pending}
        disabled={!reason.trim()}
        onClick={() => onProceed(reason.trim())}>
        {action}
      </Button>
    </Stack>
  );
}
