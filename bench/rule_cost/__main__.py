"""`python -m bench.rule_cost`: run the benchmark."""

import sys

from bench.rule_cost.run import main

sys.exit(main())
