import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useSession } from '../api/session';
import { Button, Container, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorNotice, Loading } from '../components/states';
import { AlertsPage } from '../features/alerts/AlertsPage';
import { InboxPage } from '../features/alerts/InboxPage';
import { AccountPage } from '../features/auth/AccountPage';
import { InvitePage } from '../features/auth/InvitePage';
import { ApiariesPage } from '../features/beekeeping/ApiariesPage';
import { HivePage } from '../features/beekeeping/HivePage';
import { SetupPage } from '../features/auth/SetupPage';
import { SignInPage } from '../features/auth/SignInPage';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { DeviceDetailPage } from '../features/devices/DeviceDetailPage';
import { DevicesPage } from '../features/devices/DevicesPage';
import { FarmRoute, ToFarm } from '../features/farms/FarmRoute';
import { QrRoute } from '../features/locations/QrRoute';
import { ScheduleDetailPage } from '../features/schedules/ScheduleDetailPage';
import { SchedulesPage } from '../features/schedules/SchedulesPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { HomePage } from '../features/today/HomePage';
import { KitsPage } from '../features/today/KitsPage';
import { TodayPage } from '../features/today/TodayPage';
import { switchLanguage } from '../i18n';
import { PlantsPage } from '../features/plants/PlantsPage';
import { OutboxPage, useRefreshWhenSent } from '../offline/Outbox';

// The map (Leaflet, Geoman, the QR scanner) loads only when its page is opened.
const LocationsPage = lazy(() =>
  import('../features/locations/LocationsPage').then((m) => ({ default: m.LocationsPage })),
);

// Counting by photo: the camera upload and the review (its overlay) load when opened.
const NewPhotoPage = lazy(() => import('../features/photos/NewPhotoPage').then((m) => ({ default: m.NewPhotoPage })));
const PhotoReviewPage = lazy(() => import('../features/photos/ReviewPage').then((m) => ({ default: m.ReviewPage })));
// The plant pages beyond the list load when first opened.
const PlantPage = lazy(() => import('../features/plants/PlantPage').then((m) => ({ default: m.PlantPage })));
const RunPage = lazy(() => import('../features/plants/RunPage').then((m) => ({ default: m.RunPage })));
const CatalogPage = lazy(() => import('../features/plants/CatalogPage').then((m) => ({ default: m.CatalogPage })));
const SpeciesPage = lazy(() => import('../features/plants/SpeciesPage').then((m) => ({ default: m.SpeciesPage })));
const SowingPage = lazy(() => import('../features/plants/SowingPage').then((m) => ({ default: m.SowingPage })));
const lazyPage = (page: ReactNode) => <Suspense fallback={<Loading />}>{page}</Suspense>;
// Feeding, tanks, protection and harvests load when one of their pages is opened.
const MixPage = lazy(() => import('../features/feeding/MixPage').then((m) => ({ default: m.MixPage })));
const TanksPage = lazy(() => import('../features/feeding/TanksPage').then((m) => ({ default: m.TanksPage })));
const WaterPage = lazy(() => import('../features/feeding/WateringForm').then((m) => ({ default: m.WaterPage })));
const ProtectionPage = lazy(() =>
  import('../features/feeding/ProtectionPage').then((m) => ({ default: m.ProtectionPage })),
);
const HarvestPage = lazy(() => import('../features/feeding/HarvestPage').then((m) => ({ default: m.HarvestPage })));
// Nursery stock (the scanner too) loads when a stock page is opened.
const StockPage = lazy(() => import('../features/stock/StockPage').then((m) => ({ default: m.StockPage })));
const LocationStockPage = lazy(() =>
  import('../features/stock/LocationStockPage').then((m) => ({ default: m.LocationStockPage })),
);
const BatchPage = lazy(() => import('../features/stock/BatchPage').then((m) => ({ default: m.BatchPage })));

/** Croft did not answer at start: say so in words, and try again (also by itself every few seconds). */
function Unreachable({ error, retry }: { error: unknown; retry: () => void }) {
  const { t } = useTranslation();
  return (
    <Container size={460} py="xl">
      <Stack>
        <ErrorNotice error={error} />
        <Button onClick={retry}>{t('common.retry')}</Button>
      </Stack>
    </Container>
  );
}

/** Which pages exist depends on the session: setup once, sign-in, then the farm pages (deep links kept). */
export function App() {
  const { state } = useSession();
  const locale = state.status === 'signed-in' ? state.user.locale : undefined;
  useRefreshWhenSent();
  useEffect(() => {
    // The profile's language wins once signed in.
    if (locale) void switchLanguage(locale);
  }, [locale]);

  if (state.status === 'loading') return <Loading />;
  if (state.status === 'unreachable') return <Unreachable error={state.error} retry={state.retry} />;
  if (state.status === 'needs-setup') return <SetupPage />;
  if (state.status === 'signed-out') {
    return (
      <Routes>
        <Route path="/invite/:token" element={<InvitePage />} />
        <Route path="*" element={<SignInPage />} />
      </Routes>
    );
  }
  return (
    <Routes>
      <Route path="/farms/:farm" element={<FarmRoute />}>
        <Route index element={<HomePage />} />
        <Route path="today" element={<TodayPage />} />
        <Route path="kits" element={<KitsPage />} />
        <Route path="overview" element={<DashboardPage />} />
        <Route path="devices" element={<DevicesPage />} />
        <Route path="devices/:device" element={<DeviceDetailPage />} />
        <Route path="schedules" element={<SchedulesPage />} />
        <Route path="schedules/:id" element={<ScheduleDetailPage />} />
        <Route
          path="locations"
          element={
            <Suspense fallback={<Loading />}>
              <LocationsPage />
            </Suspense>
          }
        />
        <Route path="locations/qr/:qr" element={<QrRoute />} />
        <Route path="stock" element={lazyPage(<StockPage />)} />
        <Route path="stock/locations/:location" element={lazyPage(<LocationStockPage />)} />
        <Route path="stock/batches/:batch" element={lazyPage(<BatchPage />)} />
        <Route path="apiaries" element={<ApiariesPage />} />
        <Route path="hives/:id" element={<HivePage />} />
        <Route path="photos/new" element={lazyPage(<NewPhotoPage />)} />
        <Route path="photo-sessions/:session" element={lazyPage(<PhotoReviewPage />)} />
        <Route path="plants" element={<PlantsPage />} />
        <Route path="plants/:plant" element={lazyPage(<PlantPage />)} />
        <Route path="runs/:run" element={lazyPage(<RunPage />)} />
        <Route path="runs/:run/water" element={lazyPage(<WaterPage />)} />
        <Route path="catalog" element={lazyPage(<CatalogPage />)} />
        <Route path="catalog/:species" element={lazyPage(<SpeciesPage />)} />
        <Route path="sowing/:site" element={lazyPage(<SowingPage />)} />
        <Route path="feeding" element={lazyPage(<MixPage />)} />
        <Route path="tanks" element={lazyPage(<TanksPage />)} />
        <Route path="protection/new" element={lazyPage(<ProtectionPage />)} />
        <Route path="harvests/new" element={lazyPage(<HarvestPage />)} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="inbox" element={<InboxPage />} />
        <Route path="outbox" element={<OutboxPage />} />
        <Route path="account" element={<AccountPage />} />
        <Route path="settings" element={<SettingsPage />} />
        <Route path="*" element={<Navigate to="." replace />} />
      </Route>
      <Route path="/invite/:token" element={<InvitePage />} />
      <Route path="/setup" element={<Navigate to="/" replace />} />
      <Route path="*" element={<ToFarm />} />
    </Routes>
  );
}
