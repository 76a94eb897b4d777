import sys

from fintech_dq.cli import main

sys.exit(main())
