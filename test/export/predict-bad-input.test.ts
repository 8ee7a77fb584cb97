/** `predict` on bad input: one line on stderr, exit code 2. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, digitPng, saveOtherModel, t10kImage, tempDir, trainTinyModel } from './helpers.js';

describe('digit-sweep predict on bad input', () => {
  const root = tempDir();
  const model = join(root, 'model');
  beforeAll(() => trainTinyModel(model, { images: 300, epochs: 1 }));

  async function fails(files: string[], message: string | RegExp, modelDir = model): Promise<void> {
    const r = await cli(['predict', '--model', modelDir, '--backend', 'wasm', ...files]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err.slice('digit-sweep: '.length)).toMatch(message);
  }

  it('a .png file that is not an image', async () => {
    const file = join(root, 'fake.png');
    writeFileSync(file, 'this is text, not a picture\n');
    await fails([file], `${file}: not a PNG image (no PNG signature)`);
  });

  it('a truncated PNG', async () => {
    const full = digitPng(await t10kImage(0));
    const file = join(root, 'cut.png');
    writeFileSync(file, full.subarray(0, 60));
    await fails([file], new RegExp(`^${file}: not a PNG image \\(`));
  });

  it('a blank picture', async () => {
    const white = digitPng(new Uint8Array(784));
    const file = join(root, 'white.png');
    writeFileSync(file, white);
    await fails([file], `${file}: no digit found (the image is blank: contrast 0 of 255)`);
  });

  it('a missing file', async () => {
    const file = join(root, 'absent.png');
    await fails([file], `${file}: file not found`);
  });

  it('a CSV row with too few values', async () => {
    const file = join(root, 'short.csv');
    const row = new Array(784).fill('0').join(',');
    writeFileSync(file, `${row}\n${new Array(783).fill('0').join(',')}\n`);
    await fails([file], `${file}:2: expected 784 pixel values (got 783)`);
  });

  it('a CSV row with a value out of range or not a number', async () => {
    const cells = new Array(784).fill('0');
    cells[5] = '256';
    const file = join(root, 'range.csv');
    writeFileSync(file, `${cells.join(',')}\n`);
    await fails([file], `${file}:1: pixel5 outside 0..255 (got 256)`);
    cells[5] = 'x';
    writeFileSync(file, `${cells.join(',')}\n`);
    await fails([file], `${file}:1: pixel5 is not an integer (got "x")`);
  });

  it('a CSV with a wrong header (a train.csv)', async () => {
    const file = join(root, 'train.csv');
    writeFileSync(file, `label,pixel0\n`);
    await fails([file], `${file}:1: expected the header pixel0,...,pixel783 or a row of 784 pixel values (got "label,pixel0")`);
  });

  it('a model folder that is missing or not a digit classifier', async () => {
    const png = join(root, 'ok.png');
    writeFileSync(png, digitPng(await t10kImage(0)));
    await fails([png], `${join(root, 'nope', 'model.json')}: model not found`, join(root, 'nope'));
    // A model whose weights do not fit its layers.
    const json = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
    const wrong = join(root, 'wrong');
    cpSync(model, wrong, { recursive: true });
    json.modelTopology.config.layers[0].config.batch_input_shape = [null, 784];
    writeFileSync(join(wrong, 'model.json'), JSON.stringify(json));
    await fails([png], new RegExp(`^${wrong}/model\\.json: cannot build the model \\(`), wrong);
    // A valid model that does not classify digits: 5 outputs.
    const five = join(root, 'five');
    await saveOtherModel(five, 5);
    await fails([png], `${five}: not a digit classifier (input [null,28,28,1], output [null,5]; expected [null,28,28,1] -> [null,10])`, five);
  });
});
