"""The Celery application, configured from the settings by name (celeryconfig.py)."""

from celery import Celery

app = Celery("wallet", task_cls="worker.acks:WalletTask")
app.config_from_object("celeryconfig")
app.conf.imports = ("worker.observability", "worker.metrics", "worker.tasks", "worker.webhooks")
