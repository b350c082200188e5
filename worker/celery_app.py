"""The Celery application, configured from celeryconfig.py."""

from celery import Celery

app = Celery("wallet")
app.config_from_object("celeryconfig")
app.conf.imports = ("worker.observability", "worker.metrics", "worker.tasks")
