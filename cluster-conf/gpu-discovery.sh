#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript and, on a standalone
# cluster, spark.worker.resource.gpu.discoveryScript): prints the GPUs of this machine as Spark's
# ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
#
# Addresses are CUDA ordinals as nvidia-smi numbers them; each training task passes the ones Spark
# assigned it to TensorFlow as gpu_options.visible_device_list. If CUDA_VISIBLE_DEVICES restricts
# this process, only those GPUs are listed, renumbered from 0 as CUDA will see them.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found; this machine has no usable NVIDIA driver" >&2
  exit 1
fi
mapfile -t ids < <(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ')
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  IFS=, read -r -a visible <<< "$CUDA_VISIBLE_DEVICES"
  ids=()
  for ((i = 0; i < ${#visible[@]}; i++)); do ids+=("$i"); done
fi
out=""
for id in "${ids[@]}"; do
  out+="${out:+, }\"$id\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$out]}"
