"""The queue between receiver and workers: the Celery app, job shapes, the Redis state both share."""
