"""Training code for the models that ship with the package (run via ``quellenlage train …``).

Nothing here runs at import time or in the analysis pipeline; it is only imported by the CLI.
"""
