"""The public website around the statistics: social previews, sitemap and robots, the feed of
new figures (/nytt.atom), and the site's own pages' helpers. Routes are registered on the app's
server through site_routes.blueprint (one line in app.py)."""
