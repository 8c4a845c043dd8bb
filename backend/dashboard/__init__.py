"""The clinic dashboard: server-rendered pages under /dashboard (Jinja2 templates, htmx for
partial updates), signed in with a session cookie. Page handlers translate forms and render
templates; every rule lives in the feature services they call."""
