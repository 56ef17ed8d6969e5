"""What the demo model recognises: classes, the words people use for them,
the prompt templates captions go through, and generic English words that
the vocabulary should still cover."""

# (canonical name, wordings).  The canonical name is the first wording.
CLASSES = [
    ("colour bars", ["colour bars", "color bars", "bars", "test card",
                     "smpte bars", "smpte colour bars", "smpte color bars",
                     "test pattern", "colour bar test pattern",
                     "tv test card", "a test card"]),
    ("snow", ["snow", "static noise", "static", "noise", "signal loss",
              "tv static", "television snow", "white noise", "random noise",
              "noisy static", "lost signal"]),
    ("black frame", ["black frame", "black", "black screen", "a black screen",
                     "blank screen", "dark screen", "darkness",
                     "a black image", "all black"]),
    ("white frame", ["white frame", "white", "white screen",
                     "a white screen", "a white image", "blank white screen",
                     "all white", "bright white"]),
    ("red", ["red", "red frame", "red screen", "solid red", "a red image",
             "all red", "red colour", "red color"]),
    ("green", ["green", "green frame", "green screen", "solid green",
               "a green image", "all green", "green colour", "green color"]),
    ("blue", ["blue", "blue frame", "blue screen", "solid blue",
              "a blue image", "all blue", "blue colour", "blue color"]),
    ("bouncing ball", ["bouncing ball", "a bouncing ball", "ball", "a ball",
                       "moving ball", "white ball", "a white dot", "dot",
                       "a small ball on a dark background"]),
    ("checkerboard", ["checkerboard", "checkers", "chessboard",
                      "checkered pattern", "checker pattern", "squares",
                      "a checkerboard pattern", "chequerboard"]),
    ("concentric circles", ["concentric circles", "circles", "rings",
                            "zone plate", "a zone plate", "circular pattern",
                            "ripples", "concentric rings"]),
    ("pinwheel", ["pinwheel", "spokes", "sunburst", "starburst",
                  "radial lines", "rays", "a pinwheel", "wheel spokes"]),
    ("gradient", ["gradient", "grey gradient", "gray gradient", "ramp",
                  "grey ramp", "gray ramp", "black to white gradient",
                  "a gradient", "fade"]),
    ("rainbow", ["rainbow", "colour spectrum", "color spectrum", "spectrum",
                 "rainbow colours", "rainbow colors", "all the colours",
                 "colour palette", "color palette", "hue chart"]),
]

CLASS_NAMES = [name for name, _ in CLASSES]

# The element's default template comes first and is sampled most often;
# "{}" lets bare labels work; the rest are the phrasings people write.
DEFAULT_TEMPLATE = "a photo of a {}."
TEMPLATES = [
    DEFAULT_TEMPLATE, "{}", "a photo of {}.", "a photo of the {}.",
    "a {}", "a video of {}.", "a frame of {}.", "a picture of a {}.",
    "an image of {}.", "a screenshot of {}.", "{} on the screen",
    "the screen shows {}.", "this is {}.", "a video frame showing {}.",
    "a tv showing {}.", "a camera view of {}.", "itap of a {}.",
    "a close-up photo of a {}.", "a bad photo of the {}.",
]
TEMPLATE_WEIGHTS = [6.0, 5.0] + [1.0] * (len(TEMPLATES) - 2)

# Words with no class of their own, learned into the merges so that a
# label nobody trained for still splits into whole words, not bytes.
GENERIC_WORDS = """
the a an of and or in on at to from with without for by as is are was be
this that these those it its there here not no yes all some any one two
three four five six seven eight nine ten many few more most less very
photo picture image video frame frames screen camera view shot clip stream
scene shows showing display monitor tv television broadcast channel signal
feed live recording still moving motion static test card pattern chart
person people man woman child face hand car truck bus bike bicycle road
street traffic building house room door window wall floor table chair
office kitchen outdoor indoor sky cloud clouds sun moon night day light
dark bright dim shadow water sea river lake beach tree trees grass forest
mountain snow rain fog smoke fire animal dog cat bird horse cow fish
food plate cup bottle phone computer keyboard book paper text logo sign
red green blue yellow orange purple pink brown black white grey gray
cyan magenta violet gold silver colour color colours colors colourful
colorful solid blank empty plain full half small large big tiny huge
round square circle circles line lines stripe stripes bar bars dot dots
ball box triangle shape shapes star wheel ring rings spiral grid cross
left right top bottom middle centre center corner edge background
foreground object objects thing nothing something noise noisy blur
blurry sharp clear glitch glitches error frozen lost loss missing broken
black screen blue screen test signal interference flicker flash fade
spectrum rainbow gradient ramp checker checkers checkerboard chess board
zone plate pinwheel spoke spokes burst smpte pal ntsc hd uhd resolution
""".split()


def captions_for_vocab():
    """Every caption the trainer can produce plus the generic words, as a
    {text: weight} dict for learning merges."""
    counts = {}
    for _, wordings in CLASSES:
        for wording in wordings:
            for template in TEMPLATES:
                text = template.replace("{}", wording)
                counts[text] = counts.get(text, 0) + 1
    # Weight 2 lets every generic word merge into whole-word tokens.
    for word in GENERIC_WORDS:
        counts[word] = counts.get(word, 0) + 2
    return counts
