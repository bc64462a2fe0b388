import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Series colours, in task order; chosen to stay apart for common colour-vision deficiencies. */
const SERIES_COLORS = ['#2563eb', '#ea580c', '#059669', '#9333ea', '#db2777', '#0891b2', '#ca8a04'];

export interface LineChartProps {
  /** Used as the chart's accessible name and in test selectors. */
  label: string;
  /** x values (round numbers), ascending. */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
  /** Fixed y range, e.g. [0, 1] for AUC and F1, so rounds and runs compare at a glance. */
  yRange?: [number, number];
  height?: number;
}

const ROUND_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000];

/** A line chart per round (uPlot on canvas: thousands of rounds stay smooth). */
export function LineChart(props: LineChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const labels = props.series.map((s) => s.label).join('\u0000');
  const height = props.height ?? 220;
  const points = props.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);

  // Rebuild when the set of series changes; otherwise only the data is swapped.
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      scales: { x: { time: false }, y: props.yRange ? { range: props.yRange } : {} },
      axes: [
        { label: 'round', incrs: ROUND_STEPS, values: (_u, ticks) => ticks.map((t) => String(t)) },
        { values: (_u, ticks) => ticks.map((t) => t.toFixed(2)), size: 44 },
      ],
      series: [
        { label: 'round' },
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLORS[i % SERIES_COLORS.length],
          width: 2,
          spanGaps: true,
          points: { show: true, size: 7 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : v.toFixed(3)),
        })),
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const instance = new uPlot(options, [[], ...props.series.map(() => [])], element);
    chart.current = instance;
    const resize = new ResizeObserver(() => {
      instance.setSize({ width: Math.max(element.clientWidth, 200), height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      instance.destroy();
      chart.current = null;
    };
    // props.series and props.yRange are covered by `labels` here and by the data effect below.
  }, [labels, height]);

  useEffect(() => {
    chart.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  }, [props.x, props.series, labels]);

  return (
    <figure className="chart" aria-label={props.label} data-chart={props.label} data-points={points}>
      <figcaption>{props.label}</figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}
