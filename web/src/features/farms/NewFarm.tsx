import { Button, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/states';
import { farmKeys } from './api';

/** Another farm for the signed-in person (they become its admin); the switcher then offers both. */
export function NewFarm({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const zones = useMemo(
    () => [
      ...new Set([
        browserZone,
        'UTC',
        ...((Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []),
      ]),
    ],
    [browserZone],
  );
  const [name, setName] = useState('');
  const [zone, setZone] = useState(browserZone);
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/farms', { body: { name: name.trim(), timezone: zone } })),
    onSuccess: async (farm) => {
      await client.invalidateQueries({ queryKey: farmKeys.all });
      onClose();
      setName('');
      void navigate(`/farms/${farm.slug}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('farms.new')}>
      <Stack component="form" onSubmit={submit} gap="sm">
        <TextInput
          label={t('setup.farmName')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          data-autofocus
        />
        <Select
          label={t('setup.timezone')}
          data={zones}
          searchable
          value={zone}
          allowDeselect={false}
          onChange={(v) => v && setZone(v)}
        />
        <ErrorNotice error={create.error} />
        <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
          {t('farms.create')}
        </Button>
      </Stack>
    </Modal>
  );
}
