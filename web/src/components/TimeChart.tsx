import { useElementSize } from '@mantine/hooks';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisLabel, formatValue } from './time';

export interface ChartSeries {
  label: string;
  color: string;
  /** Values aligned with the chart's times; null leaves a gap. */
  values: (number | null)[];
  dash?: number[];
}

/**
 * A time series chart (uPlot): times in epoch seconds, one or more series. Redraws in place when the
 * data change, so a live chart can take a new point every second without re-creating itself.
 */
export function TimeChart({
  times,
  series,
  height = 220,
  label,
}: {
  times: number[];
  series: ChartSeries[];
  height?: number;
  label: string;
}) {
  const { ref: box, width } = useElementSize();
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!holder.current || width === 0) return;
    const options: uPlot.Options = {
      width,
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      // Labels in the page's language (uPlot's own are English).
      axes: [
        {
          stroke: '#222',
          grid: { stroke: '#e5e5e5' },
          values: (_u, ticks) => ticks.map((t, i) => axisLabel(t, i > 0 ? t - ticks[i - 1]! : (ticks[1] ?? t) - t)),
        },
        {
          stroke: '#222',
          grid: { stroke: '#e5e5e5' },
          size: 56,
          values: (_u, ticks) => ticks.map((t) => formatValue(t)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: false,
          ...(s.dash ? { dash: s.dash } : {}),
        })),
      ],
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Re-create only when the size or the set of series changes; data updates go through setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [width, height, shape]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return (
    <div ref={box} style={{ width: '100%' }}>
      <div ref={holder} role="img" aria-label={label} data-points={times.length} />
    </div>
  );
}
