# The checkout's strategy (ansible.cfg, the molecule scenarios): mitogen's mitogen_linear, without the
# CPU pinning mitogen applies to every run.
#
# Why: mitogen pins each process of a run to one CPU (ansible_mitogen/affinity.py, FixedPolicy). On a
# machine with 2 or 3 CPUs it keeps CPU 0 for its connection multiplexer and pins the controller, every
# worker and the interpreter that runs the modules to CPU 1, so two runs at once (the test suite runs
# several, and so does anyone converging two environments side by side) all queue on CPU 1 while
# CPU 0 idles: `make test` on 2 CPUs spent a third of its second half idle with 8 processes waiting
# to run. The base Policy pins nothing; everything else is mitogen's own mitogen_linear.
from __future__ import annotations

import ansible_mitogen.affinity
import ansible_mitogen.loaders
import ansible_mitogen.strategy

ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

Base = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Base):  # type: ignore[misc,valid-type]
    """mitogen_linear: modules run in mitogen's persistent interpreter; no process is pinned to a CPU."""
