import { Button, FileButton, Group, Modal, Stack, Text } from '@mantine/core';
import QrScanner from 'qr-scanner';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The location's QR value from what a label encodes: its link (…/locations/qr/VALUE) or the bare value. */
export function qrValueOf(text: string): string {
  const match = /\/locations\/qr\/([^/?#]+)/.exec(text);
  return match ? decodeURIComponent(match[1]!) : text.trim();
}

/** Scans a location label with the phone's camera, or from a photo of it. */
export function QrScan({
  opened,
  onClose,
  onValue,
}: {
  opened: boolean;
  onClose: () => void;
  onValue: (value: string) => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    if (!opened) return;
    setProblem(undefined);
    let scanner: QrScanner | undefined;
    // The modal mounts its content a moment after opening.
    const start = setTimeout(() => {
      if (!video.current) return;
      scanner = new QrScanner(
        video.current,
        (result) => {
          scanner?.stop();
          onValue(qrValueOf(result.data));
        },
        { preferredCamera: 'environment', highlightScanRegion: true, returnDetailedScanResult: true },
      );
      scanner.start().catch(() => setProblem(t('locations.noCamera')));
    }, 50);
    return () => {
      clearTimeout(start);
      scanner?.destroy();
    };
  }, [opened, onValue, t]);

  const fromPhoto = async (file: File | null) => {
    if (!file) return;
    try {
      const result = await QrScanner.scanImage(file, { returnDetailedScanResult: true });
      onValue(qrValueOf(result.data));
    } catch {
      setProblem(t('locations.noCodeInPhoto'));
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title={t('locations.scan')} fullScreen>
      <Stack>
        <video
          ref={video}
          style={{ width: '100%', maxHeight: '60vh', background: '#000', borderRadius: 8 }}
          muted
          playsInline
        />
        {problem && (
          <Text c="red.8" role="alert">
            {problem}
          </Text>
        )}
        <Group>
          <FileButton onChange={(file) => void fromPhoto(file)} accept="image/*" capture="environment">
            {(props) => (
              <Button variant="light" {...props} data-testid="qr-photo">
                {t('locations.fromPhoto')}
              </Button>
            )}
          </FileButton>
          <Button variant="subtle" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
