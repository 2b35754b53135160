"""``fhir_client create --clinician <username> | --practice <id>`` and ``fhir_client revoke <client id>``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fhir.clients import ClientError, client_create_for_clinician, client_create_for_practice, client_revoke


class Command(BaseCommand):
    help = "Register an OAuth 2.0 client of the FHIR referral exchange, or revoke one."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Register a client; prints its id and secret once.")
        acting_as = create.add_mutually_exclusive_group(required=True)
        acting_as.add_argument("--clinician", metavar="USERNAME", help="The client acts as this clinician.")
        acting_as.add_argument(
            "--practice", metavar="ID", type=int, help="The client acts for this practice."
        )
        revoke = actions.add_parser("revoke", help="Delete a client and every token it holds.")
        revoke.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "revoke":
                client_revoke(client_id=options["client_id"])
                self.stdout.write(f"Revoked {options['client_id']}.")
                return
            if options["clinician"]:
                credentials = client_create_for_clinician(username=options["clinician"])
            else:
                credentials = client_create_for_practice(practice_id=options["practice"])
        except ClientError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"client_id: {credentials.client_id}")
        self.stdout.write(f"client_secret: {credentials.client_secret}")
        self.stdout.write(f"acts as: {credentials.user.get_username()}")
        self.stdout.write("The secret is shown only now; store it in the client's configuration.")
