"""Charts drawn on the server as SVG: choropleth maps (choropleth.py) and their classing (classes.py)."""
