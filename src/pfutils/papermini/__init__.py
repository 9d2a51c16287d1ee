"""paper-mini: the paper profile's inputs at laptop size (`python -m pfutils.papermini`), so the paper's code path
runs end to end on a CPU: toyworld in the released data formats (`release`) and tiny random models in the released
model formats (`models`), at the paths `profiles/paper-mini.yaml` names."""
