"""The worker process: Celery tasks and the review pipeline that feeds the engine and publishes its result."""
