"""``python -m wallet_client``: the ``wallet`` command."""

import sys

from wallet_client.cli import main

sys.exit(main())
