"""The API's edge: rules every request passes (text, bounds) and the published contract (OpenAPI).

See `docs/contributing.md` ("The API contract") for how a route declares what it answers.
"""
