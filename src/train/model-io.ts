/**
 * Saving and loading models in the TF.js layers format (model.json + weights.bin) with plain fs, so it
 * works on every backend (the file:// handler exists only in tfjs-node). Saves are atomic: a temp
 * folder of fsynced files renamed into place (src/core/atomic-write.ts), so a crash never leaves half a model.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic, writeDurable } from '../core/atomic-write.js';
import { UserError } from '../core/errors.js';

export async function saveModel(model: tf.LayersModel, dir: string, extraFiles: Record<string, string> = {}): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const data = artifacts.weightData;
        const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
        const weights = Buffer.concat(buffers.map((b) => Buffer.from(b)));
        const modelJson = {
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy ?? null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        };
        await writeDurable(join(tmp, 'model.json'), JSON.stringify(modelJson));
        await writeDurable(join(tmp, 'weights.bin'), weights);
        for (const [name, text] of Object.entries(extraFiles)) await writeDurable(join(tmp, name), text);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
      }),
    );
  });
}

/** Loads model.json + weights from `dir`; a missing or corrupt folder is a one-line UserError. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const file = join(dir, 'model.json');
  let json: {
    modelTopology?: object;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: model not found` : `${file}: not a valid model.json (${(err as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new UserError(`${file}: not a TF.js layers model (modelTopology or weightsManifest missing)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      try {
        parts.push(await readFile(join(dir, p)));
      } catch {
        throw new UserError(`${join(dir, p)}: weights file missing`);
      }
    }
  }
  const data = Buffer.concat(parts);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (data.length !== expected) {
    throw new UserError(`${join(dir, 'weights.bin')}: weights are ${data.length} bytes, model.json expects ${expected}`);
  }
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
  } catch (err) {
    throw new UserError(`${file}: cannot build the model (${(err as Error).message.split('\n')[0]})`);
  }
}
