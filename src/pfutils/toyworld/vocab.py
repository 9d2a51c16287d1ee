"""The closed vocabulary of toyworld: what can exist in a scene and the words that name it.

Everything a checker needs to recognise in free text (shapes, colours, sizes, positions, numbers) is defined
here once, so that the generators and the exact checkers cannot drift apart.
"""

SHAPES = ("circle", "square", "triangle", "diamond", "cross")
SHAPE_PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles", "diamond": "diamonds", "cross": "crosses"}

COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (50, 90, 230),
    "yellow": (240, 215, 40),
    "purple": (150, 60, 200),
    "orange": (245, 135, 25),
}

BACKGROUNDS = {"black": (20, 20, 20), "gray": (120, 120, 120), "white": (238, 238, 238)}

SIZES = ("small", "large")
# Fraction of a grid cell an object spans.
SIZE_FRACTION = {"small": 0.5, "large": 0.9}

# The canvas is a 3x3 grid; each object sits in its own cell.
GRID = 3
POSITIONS = {
    (0, 0): "top left", (0, 1): "top", (0, 2): "top right",
    (1, 0): "left", (1, 1): "center", (1, 2): "right",
    (2, 0): "bottom left", (2, 1): "bottom", (2, 2): "bottom right",
}
# How a position is said after an object ("a red circle in the top left corner").
POSITION_PHRASES = {
    "top left": "in the top left corner", "top": "at the top", "top right": "in the top right corner",
    "left": "on the left", "center": "in the center", "right": "on the right",
    "bottom left": "in the bottom left corner", "bottom": "at the bottom", "bottom right": "in the bottom right corner",
}

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")

# Facts of the world outside the image (the "external knowledge" of ELEVATER and OK-VQA).
CORNERS = {"circle": 0, "square": 4, "triangle": 3, "diamond": 4, "cross": 12}
SHAPE_FACTS = {
    "circle": ("a circle is perfectly round and has no corners",
               "every point on a circle is the same distance from its center",
               "coins and wheels are shaped like circles"),
    "square": ("a square has four equal sides and four right angles",
               "the tiles of a chessboard are squares",
               "a square is a rectangle whose sides all have the same length"),
    "triangle": ("a triangle has three sides and three corners",
                 "the angles of a triangle always add up to 180 degrees",
                 "a slice of pizza is often shaped like a triangle"),
    "diamond": ("a diamond looks like a tilted box standing on one of its corners",
                "a diamond has four equal sides and four corners",
                "kites and road signs are often shaped like diamonds"),
    "cross": ("a cross is shaped like a plus sign",
              "a cross has twelve corners",
              "first aid signs often show a cross"),
}
LOOKS_LIKE = {"circle": "coin", "square": "tile", "triangle": "pizza slice", "diamond": "kite", "cross": "plus sign"}
COLOUR_FACTS = {
    "red": ("red is the colour of ripe tomatoes and stop signs", "tomato"),
    "green": ("green is the colour of grass and fresh leaves", "lime"),
    "blue": ("blue is the colour of the clear sky", "blueberry"),
    "yellow": ("yellow is the colour of the sun and ripe bananas", "banana"),
    "purple": ("purple is made by mixing red and blue", "grape"),
    "orange": ("orange is made by mixing red and yellow", "orange"),
}
FRUITS = tuple(fruit for _, fruit in COLOUR_FACTS.values())
COLOUR_MIXES = {("blue", "red"): "purple", ("red", "yellow"): "orange", ("blue", "yellow"): "green"}


def number_word(n: int) -> str:
    """Spell small counts as words, larger ones as digits, as people write them."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def plural(shape: str, n: int) -> str:
    return shape if n == 1 else SHAPE_PLURALS[shape]
