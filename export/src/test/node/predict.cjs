'use strict';
// Loads a Distillery TF.js layers model with @tensorflow/tfjs (pure JS, CPU backend) and writes its
// predictions. Used by io.distillery.export.tfjs.TfjsRunner.
//
// Usage: node predict.cjs <model.json> <features.f32> <rows> <out.f32>
//   features.f32: rows x inputSize little-endian float32; out.f32: rows x numClasses, same encoding.

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

// The pure JS package has no file:// loader: an IOHandler that reads model.json and its shards.
function fileHandler(modelJsonPath) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8'));
      const dir = path.dirname(modelJsonPath);
      const weightSpecs = [];
      const shards = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          shards.push(fs.readFileSync(path.join(dir, p)));
        }
      }
      const all = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

async function main() {
  const [modelJson, featuresPath, rowsText, outPath] = process.argv.slice(2);
  if (!outPath) {
    throw new Error('usage: node predict.cjs <model.json> <features.f32> <rows> <out.f32>');
  }
  await tf.setBackend('cpu');
  // strict: every weight in the manifest must match a layer variable by name, and vice versa.
  const model = await tf.loadLayersModel(fileHandler(modelJson), { strict: true });

  const raw = fs.readFileSync(featuresPath);
  const rows = Number(rowsText);
  const features = new Float32Array(raw.length / 4);
  for (let i = 0; i < features.length; i++) {
    features[i] = raw.readFloatLE(4 * i);
  }
  const width = features.length / rows;
  const expected = model.inputs[0].shape[1];
  if (!Number.isInteger(width) || width !== expected) {
    throw new Error(`expected rows of ${expected} features, found ${features.length} values for ${rows} rows`);
  }
  const probabilities = tf.tidy(() => model.predict(tf.tensor2d(features, [rows, width])).dataSync());
  const out = Buffer.alloc(4 * probabilities.length);
  probabilities.forEach((v, i) => out.writeFloatLE(v, 4 * i));
  fs.writeFileSync(outPath, out);
}

module.exports = { fileHandler };

if (require.main === module) {
  main().catch((e) => {
    console.error((e && e.stack) || String(e));
    process.exit(1);
  });
}
