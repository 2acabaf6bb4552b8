"""gunicorn settings for the documented deployment (docker-compose.yml, the Dockerfile): gunicorn -c config/gunicorn.py.

Threaded workers: a sync worker is held by one client for as long as its request body takes to arrive, so two slow
uploads froze a two-worker server. Each thread still waits on its own slow client; a worker has several.
The application loads in each worker, not in the master (no preload): config/wsgi.py loads every view, then
gc.freeze()s what is loaded in that worker.
"""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = 8
timeout = 60
accesslog = "-"
