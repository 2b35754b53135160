from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"

    def ready(self) -> None:
        from directory.search_index import connect_signals

        connect_signals()
