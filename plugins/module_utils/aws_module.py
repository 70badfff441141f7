# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AnsibleAWSModule whose clients share botocore's parsed data files within one Python process.

Why: amazon.aws's ``AnsibleAWSModule.client()`` starts a new boto3 session for every client, and a
new session parses botocore's ``endpoints.json`` and the service's model again: 50-180 ms a
client (EC2's model is several megabytes of JSON), most of a no-op module run's own time. Under
mitogen, every module of a run executes in one persistent interpreter, so a loader kept for the
process parses each file once a run instead of once a client. With Ansible's default strategy
each module is its own process and nothing changes.

From the first client one of this collection's modules starts, every boto3 session of the
process (boto3 looks up ``botocore.session.get_session`` as it starts one) uses the shared loader:
under mitogen, the stock modules that run after ours in that interpreter too
(``amazon.aws.ec2_security_group`` parsed EC2's, STS's and the endpoints' files again on each of its
three runs of a no-op; a no-op site.yml took 8.3 CPU-s before, 7.4 after).
Before, only our modules' clients used it; now a run parses each file once, whichever module asks
first. A stock module that runs before any of ours parses its files as it always did.

Only the *data loader* is shared: it holds botocore's read-only JSON (service models, endpoints,
partitions), which botocore already shares between the clients of one session. Credentials,
region, endpoint URL, retries and the user agent still come from each module's own arguments
through amazon.aws's ``boto3_conn``, exactly as for ``AnsibleAWSModule``. A session whose profile
names another ``data_path`` gets a loader of that path.
"""

from __future__ import annotations

import sys
import types

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

try:
    import botocore.loaders
    import botocore.session
except ImportError:
    pass  # AnsibleAWSModule fails the module, naming the missing botocore

# mitogen imports a module's module_utils afresh for each module run and forgets them after it,
# so the loaders live in a holder module of their own, which it never loaded and never removes.
HOLDER = "_flask_react_aws_botocore_loaders"
# The attribute that marks botocore.session.get_session as already wrapped (module_utils are fresh each run).
MARK = "flask_react_aws_shared_loader"


def shared_loader(data_path):
    """The process's botocore loader for ``data_path`` (botocore's own search path when None)."""
    holder = sys.modules.setdefault(HOLDER, types.ModuleType(HOLDER))
    loaders = holder.__dict__.setdefault("loaders", {})
    if data_path not in loaders:
        # botocore's own loader for that path, its search paths kept free of repeats: boto3
        # appends its data folder to the loader of every session it starts.
        paths = UniquePaths(botocore.loaders.create_loader(data_path).search_paths)
        loaders[data_path] = botocore.loaders.Loader(extra_search_paths=paths, include_default_search_paths=False)
    return loaders[data_path]


def share_loader():
    """From now on, every new botocore session of this process (boto3's sessions make one) uses the
    shared loader of its data path. Once per process: the wrapper marks itself."""
    if getattr(botocore.session.get_session, MARK, False):
        return
    original = botocore.session.get_session

    def get_session(env_vars=None):
        session = original(env_vars)
        # Lazily, as botocore registers its own: boto3 sets the session's profile first, and the
        # profile may name the data path.
        session.lazy_register_component("data_loader", lambda: shared_loader(session.get_config_variable("data_path")))
        return session

    setattr(get_session, MARK, True)
    botocore.session.get_session = get_session


class UniquePaths(list):
    """A search path list that ignores appending a path it already holds."""

    def append(self, path):
        if path not in self:
            super().append(path)


class AppAWSModule(AnsibleAWSModule):
    """``AnsibleAWSModule`` whose ``client()`` starts sharing the process's botocore loader (``share_loader``)."""

    def client(self, service, retry_decorator=None, **extra_params):
        share_loader()
        return super().client(service, retry_decorator=retry_decorator, **extra_params)
