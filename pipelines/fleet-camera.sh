#!/bin/sh
# One camera of a fleet: classify what it sees and publish every result as
# JSON to an MQTT broker, on topic clipclassify/fleet/<camera>. Run one per
# camera, on as many machines as there are; watch them all from anywhere:
#
#   mosquitto_sub -h BROKER -t 'clipclassify/fleet/#' -v
#
# Usage: fleet-camera.sh [--broker HOST] [--port N] [--camera NAME]
#            [--source "GST SOURCE"] [--labels "a,b,c"] [--model DIR]
#            [--max-rate PER_SECOND] [--threads N]
# Defaults: broker localhost:1883, camera = host name, source v4l2src,
# the installed demo model (or $CLIPCLASSIFY_MODEL), 2 inferences a second,
# threads 0 (the element's choice, fewer while the cores are crowded).
# Several cameras on one machine: 0, or counts that fit the cores.
set -eu
broker=localhost
port=1883
camera=$(hostname)
source=v4l2src
labels="static noise,colour bars,a bouncing ball,black frame"
model=${CLIPCLASSIFY_MODEL:-}
rate=2
threads=0

usage () { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --broker) broker=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --camera) camera=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --labels) labels=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --max-rate) rate=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fleet-camera.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# camera -> clipclassify -> clippublish -> broker; the pictures go nowhere.
# The source description is split into words on purpose.
# shellcheck disable=SC2086
exec gst-launch-1.0 -e $source ! videoconvert ! \
  clipclassify ${model:+model="$model"} labels="$labels" max-rate="$rate" \
    threads="$threads" ! \
  clippublish mqtt-host="$broker" mqtt-port="$port" \
    mqtt-topic="clipclassify/fleet/$camera" source-id="$camera" ! \
  fakesink sync=false
