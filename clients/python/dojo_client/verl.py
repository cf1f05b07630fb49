"""verl's custom reward function for dojo tasks.

verl loads a reward function from a file by path and name, outside any
package, so this module imports dojo_client absolutely::

    custom_reward_function.path=$(python3 -c 'import dojo_client.verl as m; print(m.__file__)')
    custom_reward_function.name=compute_score

Each row's ``reward_model.ground_truth`` is the task as ``dojo gen`` writes
it (a dict or its JSON text; the gold is not needed) and its
``data_source`` the env id. The score comes from ``task/verify`` of the
default client (a ``dojo serve`` subprocess, or the server at $DOJO_URL).
"""

from dojo_client import compute_score, compute_score_batch

__all__ = ["compute_score", "compute_score_batch"]
