"""toyworld: a miniature world of coloured shapes with exact ground truth (DESIGN.md, "toyworld").

scene.py (scene graphs) -> render.py (images) -> questions.py / teacher.py / raw.py (texts) -> sources.py (the
stage-00 datasets); checkers.py holds any text to the scene graph; audit.py sums the checks over a dataset.
"""
