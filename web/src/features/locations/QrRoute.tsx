import { Navigate, useParams } from 'react-router';

/** `/farms/:farm/locations/qr/:qr` (what a printed label encodes) opens the location page on that place. */
export function QrRoute() {
  const { farm = '', qr = '' } = useParams();
  return <Navigate to={`/farms/${encodeURIComponent(farm)}/locations?qr=${encodeURIComponent(qr)}`} replace />;
}
