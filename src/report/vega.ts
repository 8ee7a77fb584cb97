/**
 * Renders Vega-Lite specs to SVG strings in Node: vega-lite's compile, then a headless vega View
 * (renderer 'none') and `toSVG()`. No browser, no network: every chart carries its data inline.
 */
import { logger, None, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The font every chart asks for: DejaVu Sans is what resvg finds on Debian; browsers fall back. */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Shared look of the charts. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: '#ddd' },
  title: { fontSize: 14, anchor: 'start' as const, offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 220 },
  // No aria-label/role on every mark: 1,000 trials' lines and points would carry ~1 MB of them.
  mark: { aria: false },
};

/** A Vega-Lite spec with the shared config merged in. */
export function withConfig(spec: TopLevelSpec): TopLevelSpec {
  const own = (spec as { config?: Record<string, unknown> }).config ?? {};
  return { ...spec, config: { ...CHART_CONFIG, ...own } } as TopLevelSpec;
}

/** vega-lite's warnings go nowhere: the specs are ours, and a report must not chatter. */
const quietLogger = logger(None);

/** Compiles and renders a Vega-Lite spec to a standalone SVG document string. */
export async function renderSvg(spec: TopLevelSpec, scale = 1): Promise<string> {
  const vgSpec = compile(withConfig(spec), { logger: quietLogger }).spec;
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    return compactSvg(await view.toSVG(scale));
  } finally {
    view.finalize();
  }
}

/** Coordinates in `d`, `transform` and `points` attributes cut to 2 decimals (vega writes up to 15; 0.01 px is invisible). */
export function compactSvg(svg: string): string {
  return svg.replace(/ (d|transform|points)="([^"]*)"/g, (_m, name: string, value: string) => ` ${name}="${value.replace(/(\d+\.\d{2})\d+/g, '$1')}"`);
}
