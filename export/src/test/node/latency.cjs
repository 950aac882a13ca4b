'use strict';
// Latency of TF.js layers models in Node (@tensorflow/tfjs, CPU backend), measured interleaved: each
// round gives every model its turn of single rows, then of batches. Used by TfjsRunner.latency.
//
// Usage: node latency.cjs <features.f32> <width> <warmup> <rounds> <singles> <batches> <batch> <model.json>...
//   prints one JSON array: per model, {model, p50Ms, p99Ms, rowsPerSecond}.

const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const { fileHandler } = require('./predict.cjs');

function percentile(sorted, p) {
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
}

async function main() {
  const [featuresPath, widthText, warmupText, roundsText, singlesText, batchesText, batchText, ...paths] =
    process.argv.slice(2);
  if (paths.length === 0) {
    throw new Error('usage: node latency.cjs <features.f32> <width> <warmup> <rounds> <singles> <batches> <batch> <model.json>...');
  }
  const [width, warmup, rounds, singles, batches, batch] =
    [widthText, warmupText, roundsText, singlesText, batchesText, batchText].map(Number);
  await tf.setBackend('cpu');
  const models = [];
  for (const p of paths) {
    models.push(await tf.loadLayersModel(fileHandler(p), { strict: true }));
  }
  const raw = fs.readFileSync(featuresPath);
  const features = new Float32Array(raw.length / 4);
  for (let i = 0; i < features.length; i++) {
    features[i] = raw.readFloatLE(4 * i);
  }
  const rows = features.length / width;
  const one = (r) => tf.tensor2d(features.subarray(r * width, (r + 1) * width), [1, width]);
  const many = tf.tensor2d(features.subarray(0, batch * width), [batch, width]);
  const run = (model, x) => tf.tidy(() => model.predict(x).dataSync());
  for (const m of models) {
    for (let i = 0; i < warmup; i++) {
      const x = one(i % rows);
      run(m, x);
      x.dispose();
      run(m, many);
    }
  }
  const singleNanos = models.map(() => []);
  const batchNanos = models.map(() => 0n);
  for (let round = 0; round < rounds; round++) {
    models.forEach((m, k) => {
      for (let i = 0; i < singles; i++) {
        const x = one((round * singles + i) % rows);
        const start = process.hrtime.bigint();
        run(m, x);
        singleNanos[k].push(Number(process.hrtime.bigint() - start));
        x.dispose();
      }
      const start = process.hrtime.bigint();
      for (let i = 0; i < batches; i++) {
        run(m, many);
      }
      batchNanos[k] += process.hrtime.bigint() - start;
    });
  }
  const out = models.map((m, k) => {
    const sorted = singleNanos[k].slice().sort((a, b) => a - b);
    return {
      model: paths[k],
      p50Ms: percentile(sorted, 0.5) / 1e6,
      p99Ms: percentile(sorted, 0.99) / 1e6,
      rowsPerSecond: (rounds * batches * batch) / (Number(batchNanos[k]) / 1e9),
    };
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
