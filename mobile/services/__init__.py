"""The phone app's core: API client, upload queue, token store and reminder schedule.

Nothing here imports Kivy, so the core runs (and is tested) without a window.
"""
