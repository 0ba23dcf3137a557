import L from 'leaflet';

// Geoman extends the global `L`; this module runs before it is imported (see PlacesMap's import order).
(window as unknown as { L: typeof L }).L = L;

export default L;
