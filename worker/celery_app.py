"""The Celery application, configured from the settings (celeryconfig)."""

from celery import Celery

from celeryconfig import celery_config
from infra.settings import get_settings

app = Celery("wallet", task_cls="worker.acks:WalletTask")
app.conf.update(celery_config(get_settings()))
app.conf.imports = ("worker.observability", "worker.metrics", "worker.tasks", "worker.webhooks")
