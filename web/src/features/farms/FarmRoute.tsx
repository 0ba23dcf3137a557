import { useEffect } from 'react';
import { Navigate, Outlet, useParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LiveProvider } from '../../api/live';
import { Empty, Loading } from '../../components/states';
import { Shell } from '../../app/Shell';
import { lastFarm, rememberFarm, useFarms } from './api';

/** `/` and unknown paths: the farm used last on this device, else the first. */
export function ToFarm() {
  const farms = useFarms();
  const { t } = useTranslation();
  if (farms.isPending) return <Loading />;
  const list = farms.data ?? [];
  const target = list.find((f) => f.slug === lastFarm()) ?? list[0];
  if (!target) return <Empty title={t('farms.none')}>{t('farms.noneHint')}</Empty>;
  return <Navigate to={`/farms/${target.slug}`} replace />;
}

/** Everything under /farms/:farm: the shell and the farm's live socket. */
export function FarmRoute() {
  const { farm = '' } = useParams();
  const farms = useFarms();
  const { t } = useTranslation();
  const current = farms.data?.find((f) => f.slug === farm || f.id === farm);
  useEffect(() => {
    if (current) rememberFarm(current.slug);
  }, [current]);
  if (farms.isPending) return <Loading />;
  if (!current) return <Empty title={t('farms.notFound')}>{t('farms.notFoundHint')}</Empty>;
  return (
    <LiveProvider farm={current.slug}>
      <Shell farm={current}>
        <Outlet />
      </Shell>
    </LiveProvider>
  );
}

/** The farm of the page on screen (under FarmRoute). */
export function useFarm() {
  const { farm = '' } = useParams();
  const farms = useFarms();
  const current = farms.data?.find((f) => f.slug === farm || f.id === farm);
  if (!current) throw new Error('useFarm outside a farm route');
  return current;
}
