"""Page handlers under /dashboard, one module per area of the dashboard."""
