import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { svgToPng, writeReports } from '../../src/report/index.js';
import { writeStudyFixture } from './helpers/fixture.js';

function decode(buf: Buffer): PNG {
  return PNG.sync.read(buf);
}

/** Share of pixels that are clearly not white, and how many distinct grey levels/colours there are. */
function ink(png: PNG): { dark: number; colours: number } {
  let dark = 0;
  const colours = new Set<number>();
  for (let i = 0; i < png.width * png.height; i++) {
    const [r, g, b] = [png.data[i * 4]!, png.data[i * 4 + 1]!, png.data[i * 4 + 2]!];
    if (r + g + b < 600) dark++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { dark: dark / (png.width * png.height), colours: colours.size };
}

describe('notebook PNGs', () => {
  let dir = '';
  beforeAll(async () => {
    const fx = await writeStudyFixture();
    dir = (await writeReports(fx.studyDir, fx.reportsDir)).dir;
  });

  for (const name of ['accuracy.png', 'loss.png', 'confusion_matrix.png']) {
    it(`${name} decodes, has a sane size and is not blank`, async () => {
      const png = decode(await readFile(join(dir, name)));
      expect(png.width).toBeGreaterThan(200);
      expect(png.height).toBeGreaterThan(150);
      expect(png.width).toBeLessThan(4000);
      const { dark, colours } = ink(png);
      expect(dark).toBeGreaterThan(0.005);
      expect(dark).toBeLessThan(0.9);
      expect(colours).toBeGreaterThan(10);
    });
  }

  it('renders text (a system font is found)', () => {
    const svg = (text: string): string =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="5" y="28" font-family="DejaVu Sans, sans-serif" font-size="24">${text}</text></svg>`;
    const withText = ink(decode(svgToPng(svg('Accuracy 99%'), 1)));
    const empty = ink(decode(svgToPng(svg(''), 1)));
    expect(empty.dark).toBe(0);
    expect(withText.dark).toBeGreaterThan(0.02);
  });
});
