#!/bin/sh
# gst-inspect-1.0 finds clipclassify in the build tree and documents every
# property the docs promise, of its three elements.
set -u
out=$(gst-inspect-1.0 clipclassify 2>&1) || { echo "$out"; exit 1; }
echo "$out" | grep -q "Filename.*$CLIPCLASSIFY_PLUGIN_DIR/libgstclipclassify.so" ||
  { echo "not loaded from $CLIPCLASSIFY_PLUGIN_DIR"; echo "$out"; exit 1; }
missing=0

# require ELEMENT PROPERTY...: gst-inspect-1.0 ELEMENT lists each property.
require () {
  element=$1
  shift
  out=$(gst-inspect-1.0 "$element" 2>&1) || { echo "$out"; exit 1; }
  for p in "$@"; do
    echo "$out" | grep -q "^  $p  *:" ||
      { echo "$element: no property $p"; missing=1; }
  done
}

require clipclassify model labels labels-file prompt prompt-file interval \
  max-rate top-k threshold mode threads post-messages frames-seen \
  inferences frames-skipped last-inference-ms text-embeddings label-cache \
  inference-region object-class min-roi-size reclassify-interval \
  smoothing hold batch-size batch-timeout precision backend \
  attach-embedding
require clippublish location append mqtt-host mqtt-port mqtt-topic \
  mqtt-client-id mqtt-qos max-queue reconnect-max drain-timeout source-id \
  published dropped connected
require clipoverlay silent position max-labels font-size
exit $missing
