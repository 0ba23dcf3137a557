import { Loading } from '../../components/states';
import { DashboardPage } from '../dashboard/DashboardPage';
import { useFarm } from '../farms/FarmRoute';
import { useHomeIsToday } from './api';
import { TodayPage } from './TodayPage';

/**
 * The farm's home: Today for a farm that grows plants, holds stock or keeps hives, or where I have tasks
 * today; else the farm overview (devices and alerts), which stays under ☰ "Farm overview" either way.
 */
export function HomePage() {
  const farm = useFarm();
  const home = useHomeIsToday(farm.slug);
  if (home.isPending) return <Loading />;
  return home.data ? <TodayPage /> : <DashboardPage />;
}
