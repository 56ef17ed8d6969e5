#!/usr/bin/python3
"""videotestsrc with caps changing every 0.5 s among the four of soak.py caps,
through ELEMENT (argv[1], e.g. identity): run under valgrind to see
videotestsrc's own invalid write (docs/reliability.md)."""
import sys, time, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
C = ["video/x-raw,format=RGB,width=320,height=240,framerate=30/1",
     "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1",
     "video/x-raw,format=GRAY8,width=17,height=5,framerate=30/1",
     "video/x-raw,format=I420,width=1,height=1,framerate=30/1"]
p = Gst.parse_launch("videotestsrc is-live=true pattern=ball ! capsfilter name=f caps=%s ! %s ! fakesink sync=true" % (C[0], sys.argv[1]))
f = p.get_by_name("f")
p.set_state(Gst.State.PLAYING)
for i in range(60):
    time.sleep(0.5)
    f.set_property("caps", Gst.Caps.from_string(C[(i + 1) % 4]))
p.set_state(Gst.State.NULL)
print("done")
