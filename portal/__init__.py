"""The portal: web pages for teachers, school admins, the school owner and families.

Server-rendered Jinja2 pages in nb, nn and en over the same services the chat and the JSON
API use (``bot.services``, ``bot.access``, the scheduler's planner): the pages hold no rules
of their own. ``portal/web.py`` is what every page shares (session, CSRF, language,
rendering); each page module has a ``routes(runtime)`` function and ``routes.py`` lists them.
The portal may import ``bot``, ``channels`` and ``scheduler``; ``ransel/`` mounts it.
"""
