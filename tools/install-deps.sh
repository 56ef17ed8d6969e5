#!/bin/sh
# Installs the Debian 12 packages needed to build, install, test and
# package clipclassify. Run as root.
#  - dpkg-dev: meson asks dpkg-architecture for the multiarch library
#    directory; without it, it installs into /usr/lib64, where GStreamer
#    does not look for plugins.
#  - gstreamer1.0-x: a window for autovideosink (pipelines/demo.sh);
#    -plugins-base: videotestsrc, videoconvert, videoscale, decodebin,
#    appsink; -plugins-good: jpegenc, avimux, pngenc, autovideosink,
#    v4l2src.
#  - libcairo2-dev, libpango1.0-dev: pictures (clip-tag's timelines,
#    clip-search's sheets) and clipoverlay's drawing and text.
#  - build-essential, debhelper, help2man, lintian: tools/build-deb.sh
#    (dpkg-buildpackage insists on build-essential).
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  gcc meson ninja-build pkg-config dpkg-dev build-essential \
  libglib2.0-dev libjson-glib-dev libopenblas-dev libdnnl-dev \
  libgdk-pixbuf-2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
  gstreamer1.0-x gstreamer1.0-opencv opencv-data \
  python3 python3-numpy python3-pil python3-gi gir1.2-gstreamer-1.0 \
  gir1.2-gst-plugins-base-1.0 valgrind clang libclang-rt-14-dev \
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 \
  libcairo2-dev libpango1.0-dev libmosquitto-dev mosquitto mosquitto-clients \
  gstreamer1.0-plugins-ugly gstreamer1.0-libav \
  debhelper help2man lintian
