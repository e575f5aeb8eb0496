"""`polster docs`: a static catalog site of the project, readable from file:// alone.

collect.py reads the project (its modules, its tables, read and never written, its run
reports) into the plain model of model.py; render.py turns the model into pages (graph.py
draws the asset graph as SVG, profile.py profiles each table within bounds); site.py writes
them with the static files (static/: catalog.css, catalog.js; no CDN, no other script) and
serves them on 127.0.0.1 for those who want it. build.py puts them together.
"""
