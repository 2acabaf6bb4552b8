"""The registry: capability thresholds, the instruments that define them, and reference models."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"
