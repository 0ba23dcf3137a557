import { ActionIcon, AppShell, Badge, Group, Indicator, Menu, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconBox, IconChecklist, IconCpu, IconInbox, IconMenu2, IconPlant } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, useNavigate } from 'react-router';
import { useLive } from '../api/live';
import { useSession } from '../api/session';
import { LANGUAGES, switchLanguage } from '../i18n';
import { useNotifications } from '../features/alerts/api';
import type { Farm } from '../features/farms/api';
import { FarmSwitcher } from '../features/farms/FarmSwitcher';
import { NewFarm } from '../features/farms/NewFarm';
import { InsecureNotice, OfflineBanner, OutboxBadge } from '../offline/Outbox';
import classes from './Shell.module.css';

const NAV = [
  { to: 'today', key: 'nav.today', Icon: IconChecklist },
  { to: 'plants', key: 'nav.plants', Icon: IconPlant },
  { to: 'stock', key: 'nav.stock', Icon: IconBox },
  { to: 'devices', key: 'nav.devices', Icon: IconCpu },
  { to: 'inbox', key: 'nav.inbox', Icon: IconInbox },
] as const;

/** The ☰ menu's pages, after the languages. */
const MENU = [
  { to: 'locations', key: 'nav.locations', testId: 'menu-locations' },
  { to: 'apiaries', key: 'nav.apiaries', testId: 'menu-apiaries' },
  { to: 'feeding', key: 'nav.feeding', testId: 'menu-feeding' },
  { to: 'tanks', key: 'nav.tanks', testId: 'menu-tanks' },
  { to: 'schedules', key: 'nav.schedules', testId: 'menu-schedules' },
  { to: 'alerts', key: 'nav.alerts', testId: 'menu-alerts' },
  { to: 'overview', key: 'nav.overview', testId: 'menu-overview' },
  { to: 'settings', key: 'nav.settings', testId: 'menu-settings' },
] as const;

/** The frame of every farm page: header, navigation (a bottom bar on phones), live status. */
export function Shell({ farm, children }: { farm: Farm; children: ReactNode }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { status } = useLive();
  const { signOut, updateProfile } = useSession();
  const unread = useNotifications().data?.unread ?? 0;
  const base = `/farms/${farm.slug}`;
  const [addingFarm, setAddingFarm] = useState(false);

  const links = (where: 'bar' | 'side') =>
    NAV.map((item) => (
      <NavLink key={item.to} to={`${base}/${item.to}`} className={where === 'bar' ? classes.barLink : classes.sideLink}>
        <item.Icon aria-hidden size={24} stroke={1.8} className={classes.icon} />
        <span>{t(item.key)}</span>
        {item.to === 'inbox' && unread > 0 && (
          <Badge
            size="sm"
            color="red"
            circle
            data-testid="unread-badge"
            aria-label={t('inbox.unreadCount', { count: unread })}>
            {unread}
          </Badge>
        )}
      </NavLink>
    ));

  const chooseLanguage = async (code: string) => {
    await switchLanguage(code);
    await updateProfile({ locale: code as (typeof LANGUAGES)[number]['code'] }).catch(() => undefined);
  };

  return (
    <AppShell
      header={{ height: 64 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: true } }}
      footer={{ height: 64 }}
      padding="md">
      <AppShell.Header className={classes.header}>
        <Group h="100%" px="sm" justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap">
            <UnstyledButton onClick={() => navigate(base)} className={classes.brand} aria-label={t('nav.dashboard')}>
              Croft
            </UnstyledButton>
            <FarmSwitcher current={farm.slug} />
            <Text size="sm" fw={600} visibleFrom="xs" truncate maw={160}>
              {farm.name}
            </Text>
          </Group>
          <Group gap={4} wrap="nowrap">
            <OutboxBadge farm={farm.slug} />
            <Tooltip label={t(`live.${status}`)}>
              <Indicator
                color={status === 'live' ? 'green' : status === 'connecting' ? 'yellow' : 'red'}
                processing={status === 'live'}
                position="middle-center"
                size={14}>
                <span
                  className={classes.liveDot}
                  data-testid="live-status"
                  data-status={status}
                  aria-label={t(`live.${status}`)}
                />
              </Indicator>
            </Tooltip>
            <Menu
              position="bottom-end"
              width={240}
              middlewares={{ flip: false, shift: true, size: { padding: 8 } }}
              classNames={{ item: classes.menuItem, dropdown: classes.menuDropdown }}>
              <Menu.Target>
                <ActionIcon
                  variant="subtle"
                  color="white"
                  c="white"
                  aria-label={t('nav.menu')}
                  data-testid="account-menu">
                  <IconMenu2 size={28} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>{t('account.language')}</Menu.Label>
                {LANGUAGES.map((l) => (
                  <Menu.Item
                    key={l.code}
                    onClick={() => void chooseLanguage(l.code)}
                    data-testid={`language-${l.code}`}
                    lang={l.code}>
                    {l.label}
                  </Menu.Item>
                ))}
                <Menu.Divider />
                {MENU.map((item) => (
                  <Menu.Item key={item.to} onClick={() => navigate(`${base}/${item.to}`)} data-testid={item.testId}>
                    {t(item.key)}
                  </Menu.Item>
                ))}
                <Menu.Item onClick={() => setAddingFarm(true)} data-testid="menu-new-farm">
                  {t('farms.new')}
                </Menu.Item>
                <Menu.Item onClick={() => navigate(`${base}/account`)} data-testid="menu-account">
                  {t('nav.account')}
                </Menu.Item>
                <Menu.Item color="red" onClick={() => void signOut().then(() => navigate('/'))}>
                  {t('auth.signOut')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" visibleFrom="sm" component="nav" aria-label={t('nav.label')}>
        {links('side')}
      </AppShell.Navbar>
      <AppShell.Main className={classes.main}>
        <OfflineBanner />
        <InsecureNotice />
        {children}
      </AppShell.Main>
      <NewFarm opened={addingFarm} onClose={() => setAddingFarm(false)} />
      <AppShell.Footer hiddenFrom="sm" className={classes.bar} component="nav" aria-label={t('nav.label')}>
        {links('bar')}
      </AppShell.Footer>
    </AppShell>
  );
}
