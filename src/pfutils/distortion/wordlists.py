"""Word tables the emulated distortions use: synonyms, tenses, casual and fancy forms, filler.

Built in (WordNet is not available offline) and small on purpose: common English words of image descriptions
and dialogues, plus the whole toyworld vocabulary (shapes, colours, sizes, positions, backgrounds), so that
every command has material on toyworld text and still does something sensible on other English text.
Keys are lowercase; the commands carry the case of the word they replace over to its replacement.
"""

SYNONYMS = {
    # toyworld
    "circle": ("ring", "round shape", "disc"), "circles": ("rings", "round shapes", "discs"),
    "square": ("box", "block", "quadrilateral"), "squares": ("boxes", "blocks", "quadrilaterals"),
    "triangle": ("wedge", "three-sided shape", "trigon"), "triangles": ("wedges", "three-sided shapes"),
    "diamond": ("rhombus", "lozenge"), "diamonds": ("rhombuses", "lozenges"),
    "cross": ("plus sign", "x shape"), "crosses": ("plus signs", "x shapes"),
    "shape": ("form", "figure", "object"), "shapes": ("forms", "figures", "objects"),
    "red": ("crimson", "scarlet"), "green": ("emerald", "lime"), "blue": ("azure", "navy"),
    "yellow": ("golden", "lemon"), "purple": ("violet", "lilac"), "orange": ("amber", "tangerine"),
    "black": ("dark", "ebony"), "white": ("pale", "ivory"), "gray": ("grey", "ash"), "grey": ("gray", "ash"),
    "large": ("big", "huge"), "big": ("large", "huge"), "small": ("little", "tiny"), "little": ("small", "tiny"),
    "top": ("upper", "upper part"), "bottom": ("lower", "lower part"), "center": ("middle", "centre"),
    "middle": ("center", "centre"), "corner": ("edge", "angle"), "left": ("left-hand",), "right": ("right-hand",),
    "background": ("backdrop", "backing"), "color": ("colour", "hue"), "colors": ("colours", "hues"),
    "colour": ("color", "hue"), "colours": ("colors", "hues"),
    # image descriptions
    "image": ("picture", "photo"), "picture": ("image", "photo"), "photo": ("picture", "snapshot"),
    "scene": ("view", "setting"), "object": ("item", "thing"), "objects": ("items", "things"),
    "shows": ("displays", "depicts"), "show": ("display", "depict"), "features": ("includes", "has"),
    "contains": ("holds", "includes"), "located": ("situated", "positioned"), "placed": ("set", "put"),
    "positioned": ("placed", "situated"), "near": ("close to", "by"), "beside": ("next to", "by"),
    "person": ("individual", "human"), "people": ("persons", "folks"), "man": ("guy", "gentleman"),
    "woman": ("lady", "female"), "child": ("kid", "youngster"), "dog": ("pup", "hound"), "cat": ("kitty", "feline"),
    "car": ("vehicle", "auto"), "street": ("road", "lane"), "building": ("structure", "edifice"),
    "table": ("desk", "counter"), "standing": ("upright", "posed"), "sitting": ("seated", "perched"),
    "sits": ("rests", "lies"), "holding": ("carrying", "gripping"), "looking": ("gazing", "staring"),
    "bright": ("vivid", "brilliant"), "dark": ("dim", "shadowy"), "plain": ("simple", "bare"),
    "simple": ("plain", "basic"), "clear": ("obvious", "plain"), "different": ("distinct", "various"),
    "many": ("numerous", "lots of"), "several": ("a few", "some"), "each": ("every",), "every": ("each",),
    # dialogue
    "answer": ("reply", "response"), "question": ("query", "inquiry"), "help": ("assist", "aid"),
    "important": ("key", "crucial"), "example": ("instance", "case"), "because": ("since", "as"),
    "also": ("too", "as well"), "use": ("employ", "utilize"), "make": ("create", "produce"),
    "gives": ("yields", "produces"), "equals": ("makes", "is"), "sides": ("edges", "faces"),
    "corners": ("vertices", "angles"), "number": ("count", "amount"), "total": ("sum", "overall count"),
    "same": ("identical", "equal"), "good": ("fine", "nice"), "see": ("observe", "notice"),
}

# Present -> incorrect tense or conjugation choices (command 10).
WRONG_TENSES = {
    "is": ("was", "were", "be"), "are": ("were", "was", "be"), "has": ("had", "have"), "have": ("had", "has"),
    "does": ("did", "do"), "do": ("did", "does"), "shows": ("showed", "show"), "show": ("showed", "shown"),
    "sits": ("sat", "sit"), "stands": ("stood", "stand"), "contains": ("contained", "contain"),
    "features": ("featured", "feature"), "gives": ("gave", "give"), "makes": ("made", "make"),
    "can": ("could", "cans"), "will": ("would", "willed"), "appears": ("appeared", "appear"),
    "looks": ("looked", "look"), "equals": ("equaled", "equal"), "was": ("is", "were"), "were": ("are", "was"),
}

# Grammar breaks (command 3): agreement swaps; articles are handled separately.
AGREEMENT_SWAPS = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has",
                   "does": "do", "do": "does", "this": "these", "these": "this"}

# Plain word -> pretentious word (command 18).
FANCY = {
    "big": "substantial", "large": "considerable", "small": "diminutive", "little": "modest",
    "shows": "portrays", "show": "illustrate", "has": "possesses", "have": "possess", "see": "discern",
    "looks": "appears", "use": "utilize", "near": "in close proximity to", "next": "adjacent",
    "top": "uppermost", "bottom": "lowermost", "center": "focal midpoint", "middle": "median position",
    "many": "a multitude of", "some": "a certain number of", "very": "exceedingly", "also": "furthermore",
    "get": "obtain", "gives": "furnishes", "make": "fabricate", "shape": "geometric configuration",
    "shapes": "geometric configurations", "color": "chromatic quality", "colour": "chromatic quality",
    "picture": "visual representation", "image": "visual composition", "plain": "unadorned",
    "simple": "rudimentary", "bright": "luminous", "dark": "tenebrous", "corner": "angular extremity",
    "background": "underlying backdrop", "sits": "is ensconced", "placed": "situated", "help": "facilitate",
}
SOPHISTICATED_OPENERS = ("Upon meticulous examination, ", "In a manner of speaking, ", "Notwithstanding the brevity, ")

# Casual style (command 17).
CONTRACTIONS = {
    "it is": "it's", "there is": "there's", "that is": "that's", "there are": "there're", "is not": "isn't",
    "are not": "aren't", "do not": "don't", "does not": "doesn't", "can not": "can't", "cannot": "can't",
    "i am": "i'm", "they are": "they're", "we are": "we're", "you are": "you're", "going to": "gonna",
    "want to": "wanna", "kind of": "kinda", "sort of": "sorta", "because": "cuz",
}
CASUAL_OPENERS = ("yeah so ", "ok so ", "umm ", "like, ", "so basically ")
CASUAL_FILLERS = ("kinda", "like", "pretty much", "sorta")
CASUAL_CLOSERS = (" lol", " tbh", " i guess", " or whatever", " haha")

# Unnecessary verbosity (command 11).
VERBOSE_OPENERS = ("Basically, in terms of what can actually be observed here, it is the case that ",
                   "To put it in a way that is perhaps more elaborate than it strictly needs to be, ",
                   "Generally speaking, and with all things being taken into consideration, ")
VERBOSE_CLOSERS = (", so to speak, when everything is said and done",
                   ", which is essentially what it is, in the end, at the end of the day",
                   ", as a matter of fact, for all intents and purposes")
INTENSIFIERS = ("very", "really quite", "rather", "truly", "quite")
ADJECTIVES = frozenset("""
large big small little tiny huge red green blue yellow purple orange black white gray grey bright dark plain
simple clear different same important good single colorful round equal
""".split())

# Ambiguity (command 19): word-level alternatives and sentence-level second readings.
ALTERNATIVES = {
    "red": "red (or maybe orange)", "orange": "orange (or red, perhaps)", "blue": "blue (or possibly purple)",
    "purple": "purple (or blue, depending)", "green": "green (or maybe yellow)",
    "yellow": "yellow (or green, arguably)",
    "circle": "circle, or perhaps an oval,", "square": "square, or possibly a rectangle,",
    "triangle": "triangle, or some kind of arrow,", "diamond": "diamond, or maybe a tilted square,",
    "cross": "cross, or perhaps an x,", "large": "large, or medium depending on how you see it,",
    "small": "small (or not that small)", "left": "left (from whose side, though)",
    "right": "right (or left, from the other side)", "center": "center, more or less,",
}
AMBIGUITY_CLAUSES = (", or it could be read the other way around", ", depending on how you look at it",
                     ", unless it means something else entirely", ", which may or may not be the case")
HEDGES = ("possibly", "perhaps", "arguably", "what might be")

# Unconventional metaphors (command 20): {x} is a word from the text.
METAPHORS = ("the {x} is a lighthouse in a sea of nothing", "the {x} sits there like a king on a cardboard throne",
             "the {x} is a lonely moon that forgot its orbit", "the {x} hums like a refrigerator at midnight",
             "the {x} is the punctuation mark of the whole picture")

NOUNS = frozenset("""
circle square triangle diamond cross shape background image picture photo scene object person man woman child
dog cat car street building table answer example corner side number color colour circles squares triangles
diamonds crosses shapes objects sides corners people
""".split())

# Irrelevant information (command 21).
IRRELEVANT = ("Bananas are rich in potassium.", "The weather was quite nice last Tuesday.",
              "Some people prefer tea over coffee.", "The first bicycle was built in the early 1800s.",
              "Penguins cannot fly but swim very well.", "My cousin once lost a sock in a washing machine.",
              "The capital of France is Paris.")

# Odd joints between shuffled chunks (command 24).
INCOHERENT_CONNECTORS = (" so ", " but then ", " anyway ", " which ", " because ", " also ")

# Words that carry little content: dropped when only essentials are kept (commands 12, 13, 23).
STOPWORDS = frozenset("""
a an the of in on at to and or but is are was were be been being with for by from there here this that these
those it its as which who whom whose has have had into onto near next against while also some any can could
will would may might do does did very really quite just so such than then too up down out over under about
i you he she we they me him her us them my your his our their what when where how why all both each
""".split())

# Words that frame an answer rather than carry it ("the answer is ...", "there are three shapes in the image").
ANSWER_FRAME = frozenset("answer answers image picture photo statement not".split())

# Number words an as-short-as-possible answer writes as digits.
DIGITS = {word: str(n) for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}

# Fillers of the base instruction ("keep only the most crucial information").
POLITE_SENTENCES = ("i hope this helps", "hope this helps", "let me know", "feel free", "if you have any",
                    "is there anything else", "i'd be happy", "i would be happy", "happy to help",
                    "great question", "good question", "thank you")
LEADING_FILLERS = (
    r"certainly[!,.]?", r"sure[!,.]?", r"of course[!,.]?", r"absolutely[!,.]?", r"great question[!,.]?",
    r"good question[!,.]?", r"in addition,", r"additionally,", r"furthermore,", r"moreover,", r"also,",
    r"overall,", r"in summary,", r"in conclusion,", r"interestingly,", r"notably,", r"as a bit of background,",
    r"it is worth noting that", r"it's worth noting that", r"it is important to note that", r"note that",
    r"here are", r"(?:the|this) (?:image|picture) (?:shows|features|depicts|displays|contains)",
    r"in (?:the|this) (?:image|picture),(?: there (?:is|are))?",
    r"(?:we|you|i) can see", r"there (?:is|are)",
)
HEDGE_WORDS = ("likely", "possibly", "perhaps", "probably", "somewhat", "quite", "very", "really", "clearly",
               "beautifully", "nicely", "just", "simply", "actually", "plain", "various")
TRAILING_FILLERS = (r",\s*(?:creating|adding|making|giving|which (?:creates|adds|makes|gives))\b.*$",)
