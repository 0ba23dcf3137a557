import { qrLabel, subtree } from './api';

/**
 * Prints the QR labels of a location and everything under it: the labels (SVG, fetched with the access
 * token) in a grid, in a window of their own, and the print dialog.
 */
export async function printLabels(farm: string, id: string, title: string): Promise<number> {
  const places = await subtree(farm, id);
  const labels = await Promise.all(places.map((p) => qrLabel(farm, p.id)));
  const win = window.open('', '_blank');
  if (!win) throw new Error('popup');
  const escape = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  win.document.write(`<!doctype html><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:8mm}.grid{display:grid;grid-template-columns:repeat(auto-fill,50mm);gap:4mm}
.grid svg{width:50mm;height:auto;break-inside:avoid}</style><div class="grid">${labels.join('')}</div>`);
  win.document.close();
  win.focus();
  win.print();
  return labels.length;
}
