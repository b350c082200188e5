"""Manage API keys: python -m producer_api.keys create|list|revoke.

create --name game-eu --scopes wallet:read,wallet:write   prints the token, once
list                                                      prefixes, clients, scopes
revoke --prefix 1a2b3c4d5e6f
"""

import argparse
import sys

from infra.db import make_engine, make_session_factory
from infra.settings import get_settings
from ledger.api_keys import list_keys, revoke_key
from producer_api.services.api_keys import create_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m producer_api.keys")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print its token once")
    create.add_argument("--name", required=True, help="the client the key belongs to")
    create.add_argument("--scopes", default="wallet:read,wallet:write")
    commands.add_parser("list", help="list keys (never the tokens)")
    revoke = commands.add_parser("revoke", help="revoke a key by its prefix")
    revoke.add_argument("--prefix", required=True)
    args = parser.parse_args(argv)

    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            if args.command == "create":
                scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
                print(
                    create_key(
                        session, client_id=args.name, scopes=scopes, secret=settings.secret_key
                    )
                )
            elif args.command == "list":
                for key in list_keys(session):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(f"{key.prefix}  {key.client_id:<20} {','.join(key.scopes):<30} {state}")
            elif not revoke_key(session, prefix=args.prefix):
                print(f"no active key with prefix {args.prefix}", file=sys.stderr)
                return 1
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
