from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"

    def ready(self) -> None:
        from directory import places

        # Every web and worker process opens the place index as it starts (building it
        # on a machine's first start), so no patient's first search waits for it.
        places.warm()
