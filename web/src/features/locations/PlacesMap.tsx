// Order matters: ./leaflet puts L on window, which Geoman extends.
import L from './leaflet';
import '@geoman-io/leaflet-geoman-free';
import '@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css';
import 'leaflet/dist/leaflet.css';
import { useEffect, useRef } from 'react';
import type { Geometry, Place } from './api';

export interface MapTiles {
  url: string;
  attribution: string | null;
}

interface Props {
  places: Place[];
  selected: string | null;
  onSelect: (id: string) => void;
  tiles: MapTiles | null;
  /** Drawing a new shape: called with it when finished. */
  drawing: boolean;
  onDrawn: (geometry: Geometry) => void;
  /** Reshaping the selected place: called with its new shape on each edit. */
  editing: boolean;
  onEdited: (geometry: Geometry) => void;
  /** A position to show (where I am). */
  here: [number, number] | null;
  label: string;
}

/**
 * A name as text, never markup: Leaflet puts a string it is given into the page as HTML, and a place's
 * name is whatever someone typed (or imported).
 */
function asText(text: string): HTMLElement {
  const span = document.createElement('span');
  span.textContent = text;
  return span;
}

const STYLE = { color: '#1b5e20', weight: 2, fillOpacity: 0.15 };
const SELECTED = { color: '#e65100', weight: 3, fillOpacity: 0.3 };

/**
 * The farm's own shapes on a Leaflet map, with no background unless tiles are configured (a farm may be
 * offline). Draws and reshapes polygons with Geoman. Leaflet owns its DOM; React only tells it what changed.
 */
export function PlacesMap(props: Props) {
  const box = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | undefined>(undefined);
  const layers = useRef(new Map<string, L.Layer>());
  const hereMark = useRef<L.CircleMarker | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const m = L.map(box.current!, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 }).setView(
      [11.55, 104.92],
      3,
    );
    m.pm.setGlobalOptions({ snappable: true });
    m.on('pm:create', (event) => {
      const geometry = (event.layer as L.Polygon).toGeoJSON().geometry as Geometry;
      m.removeLayer(event.layer);
      latest.current.onDrawn(geometry);
    });
    map.current = m;
    return () => {
      // Leaving the page mid-animation would let Leaflet's next animation frame touch a removed map.
      m.stop();
      m.remove();
      map.current = undefined;
    };
  }, []);

  useEffect(() => {
    const m = map.current!;
    if (!props.tiles) return;
    const layer = L.tileLayer(props.tiles.url, { attribution: props.tiles.attribution ?? '', maxZoom: 22 }).addTo(m);
    return () => void layer.remove();
  }, [props.tiles]);

  // The shapes: redrawn when the places or the selection change.
  useEffect(() => {
    const m = map.current!;
    for (const layer of layers.current.values()) layer.remove();
    layers.current.clear();
    const bounds = L.latLngBounds([]);
    for (const place of props.places) {
      if (!place.geometry) continue;
      const style = place.id === props.selected ? SELECTED : STYLE;
      const layer = L.geoJSON(place.geometry as GeoJSON.Geometry, {
        style: () => style,
        pointToLayer: (_feature, at) => L.circleMarker(at, { ...style, radius: 8, fillOpacity: 0.8 }),
      });
      layer.bindTooltip(asText(place.name), { sticky: true });
      layer.on('click', () => latest.current.onSelect(place.id));
      layer.addTo(m);
      layers.current.set(place.id, layer);
      bounds.extend(layer.getBounds());
    }
    const focus = props.selected ? layers.current.get(props.selected) : undefined;
    const target = focus instanceof L.GeoJSON ? focus.getBounds() : bounds;
    // No animation when the app moves the view: the page may be left before it would end.
    if (target.isValid()) m.fitBounds(target, { padding: [24, 24], maxZoom: 20, animate: false });
  }, [props.places, props.selected]);

  useEffect(() => {
    const m = map.current!;
    if (props.drawing) {
      m.pm.enableDraw('Polygon');
      // On a phone the map may be half off screen: bring all of it into view to draw on.
      box.current?.scrollIntoView({ block: 'center' });
    } else m.pm.disableDraw();
  }, [props.drawing]);

  useEffect(() => {
    const layer = props.selected ? layers.current.get(props.selected) : undefined;
    if (!props.editing || !(layer instanceof L.GeoJSON)) return;
    const shapes = layer.getLayers() as L.Polygon[];
    for (const shape of shapes) {
      shape.pm.enable({ snappable: true });
      shape.on('pm:edit', () => latest.current.onEdited(shape.toGeoJSON().geometry as Geometry));
    }
    return () => {
      for (const shape of shapes) shape.pm.disable();
    };
  }, [props.editing, props.selected, props.places]);

  useEffect(() => {
    const m = map.current!;
    hereMark.current?.remove();
    if (!props.here) return;
    hereMark.current = L.circleMarker(props.here, {
      radius: 9,
      color: '#fff',
      weight: 3,
      fillColor: '#1565c0',
      fillOpacity: 1,
    }).addTo(m);
    m.setView(props.here, Math.max(m.getZoom(), 17), { animate: false });
  }, [props.here]);

  return (
    <div
      ref={box}
      role="application"
      aria-label={props.label}
      data-testid="map"
      style={{ height: '55vh', minHeight: 280, borderRadius: 8, background: '#eef2ea', isolation: 'isolate' }}
    />
  );
}
