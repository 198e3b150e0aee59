"""The demo school (Solbakken skole in the fictional Fjellby kommune) and its loader.

``generate.py`` writes the shipped files in ``data/demo/`` deterministically; ``load.py``
loads them through the same importers a real school uses.
"""
