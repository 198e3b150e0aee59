"""Ransel's rasa-sdk action server: thin actions over ``bot`` services.

Run with ``ransel actions serve`` (``python -m rasa_sdk --actions actions``). Each module
holds one feature's actions; :mod:`actions._base` verifies who is asking and renders.
"""
