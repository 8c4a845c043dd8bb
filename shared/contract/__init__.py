"""The API contract shared by the backend and the phone app: msgspec Structs, one module per feature.

Requests forbid unknown fields and bound every string, so bad input is refused at the edge.
"""
