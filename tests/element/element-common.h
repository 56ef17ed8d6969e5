/* element-common.h: shared helpers of the clipclassify element tests. */
#ifndef CLIP_TESTS_ELEMENT_COMMON_H
#define CLIP_TESTS_ELEMENT_COMMON_H

#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "gstclipclassifymeta.h"

/* How long a test waits for a state change or a bus message before it
 * calls the pipeline hung: generous, for valgrind on a loaded machine
 * (every start loads a model); meson's own timeout still bounds a test. */
#define ELEMENT_TEST_WAIT (300 * GST_SECOND)

/* gst_init, and a check that "clipclassify" comes from the build tree
 * ($CLIPCLASSIFY_PLUGIN_DIR), never from an installed copy. */
void element_test_init (int *argc, char ***argv);

/* The golden tiny checkpoint (tiny-quickgelu-p32-f32/hf); skips the test
 * program (or fails under CI=true) when the golden data is missing. */
const char *element_test_model (void);

/* A harness around a new clipclassify on the test model, configured by
 * ("name", "value") string pairs (NULL-terminated, as gst-launch-1.0 would
 * parse them), with a bus for its messages and @caps (may be NULL) on its
 * source. */
GstHarness *element_harness_new (const char *caps, ...) G_GNUC_NULL_TERMINATED;

/* Drops the messages left on the element's bus (they hold references to
 * the element, which holds the bus) and tears @h down. */
void element_harness_teardown (GstHarness * h);

/* Sets the named properties ("name", "value" pairs, NULL-terminated) from
 * strings, as gst-launch-1.0 would. */
void element_set_props (GstElement * element, ...) G_GNUC_NULL_TERMINATED;

/* A frame of @format filled from packed 8-bit RGB @rgb (@w x @h, rows of
 * @rgb_stride bytes), converted with GstVideoConverter for the YUV and
 * 4-byte formats; @info receives the video info used (whose caps must be
 * set on the harness). */
GstBuffer *element_frame_from_rgb (GstVideoFormat format, int w, int h,
    const guint8 * rgb, int rgb_stride, GstVideoInfo * info);

/* The (@x, @y, @w, @h) rectangle of @in (@info) cut out by
 * GstVideoConverter into a frame of its own (same format and colorimetry,
 * no scaling), described by @out_info. */
GstBuffer *element_cut_out (GstBuffer * in, const GstVideoInfo * info,
    guint x, guint y, guint w, guint h, GstVideoInfo * out_info);

/* The score of @label in the "labels"/"scores" arrays of a result
 * structure (a "clipclassify" message or ROI param); -1 when absent. */
double element_result_score (const GstStructure * s, const char *label);

/* A @w x @h frame of @format with a smooth pattern depending on @seed. */
GstBuffer *element_pattern_frame (GstVideoFormat format, int w, int h,
    guint seed, GstVideoInfo * info);

/* Pops every "clipclassify" element message on the harness element's bus,
 * oldest first (a GList of GstMessage, to free with gst_message_unref). */
GList *element_pop_results (GstHarness * h);

/* Waits up to @timeout_s for the next "clipclassify" message. */
GstMessage *element_wait_result (GstHarness * h, double timeout_s);

/* The uint64 property @name of @h's element. */
guint64 element_get_u64 (GstHarness * h, const char *name);

/* Polls @element's "frames-seen" every millisecond until it is non-zero;
 * fails the test (a hang guard) after @timeout_s seconds. */
void element_wait_frame_seen (GstElement * element, guint timeout_s);


/* A random checkpoint much slower than the golden ones (a 384-wide, 4-layer
 * vision tower at 224 px, ~50-100 ms per frame), written by
 * tools/make-random-checkpoint.py into a temporary folder that
 * element_test_cleanup() removes. Skips (fails under CI=true) when it
 * cannot be made. $CLIPCLASSIFY_TEST_SLOW_MODEL names another checkpoint
 * to use instead (the valgrind runs, where any model is slow). */
const char *element_test_slow_model (void);

/* Removes what the helpers wrote. */
void element_test_cleanup (void);

/* Median of @n values (reorders them). */
double element_median (double *values, guint n);

#endif
