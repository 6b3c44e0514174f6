"""The clinic's settings (clinic.yml): name, phone, opening hours, emergency and
crisis numbers, and the web pages allowed to embed the chat.

clinic/settings.py reads, validates and writes the file (no Rasa import, so the
widget server and the channels load it quickly); clinic/nlg.py fills the
settings into domain.yml's responses inside the Rasa server. Nothing is read at
import time.
"""
