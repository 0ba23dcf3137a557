import { Button, Card, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../../components/states';
import { downloadFarmExport } from './api';

/** Everything of the farm as one archive (admins): the farmer's data is the farmer's. */
export function ExportCard({ farm }: { farm: string }) {
  const { t } = useTranslation();
  const exporting = useMutation({ mutationFn: () => downloadFarmExport(farm) });
  return (
    <Card withBorder>
      <Title order={2} fz={20} mb="xs">
        {t('settings.export')}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('settings.exportHint')}
      </Text>
      <Button variant="light" onClick={() => exporting.mutate()} loading={exporting.isPending}>
        {t('settings.exportButton')}
      </Button>
      {exporting.error && <ErrorNotice error={exporting.error} />}
    </Card>
  );
}
